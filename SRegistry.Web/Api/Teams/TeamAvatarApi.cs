using SRegistry.Core.Teams;

namespace SRegistry.Web.Api.Teams;

/// <summary>Serves team avatars (the pages link to them). Teams are public, so the avatar is too.</summary>
public static class TeamAvatarApi
{
    public static string UrlFor(string teamName) => $"/teams/{Uri.EscapeDataString(teamName)}/avatar";

    public static IEndpointRouteBuilder MapTeamAvatars(this IEndpointRouteBuilder app)
    {
        app.MapGet("/teams/{name}/avatar", GetAvatarAsync);
        return app;
    }

    private static async Task<IResult> GetAvatarAsync(string name, TeamService teams, HttpContext context, CancellationToken ct)
    {
        var avatar = await teams.AvatarAsync(name, ct);
        if (avatar is null)
        {
            return TypedResults.NotFound();
        }
        // The type was sniffed from the bytes at upload; nosniff keeps browsers from guessing anything else.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Bytes(avatar.Value.Bytes, avatar.Value.ContentType);
    }
}
