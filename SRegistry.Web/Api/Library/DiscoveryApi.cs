using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core;
using SRegistry.Core.Data;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>Discovery, version, token check and user info: what <c>remote add/login/status</c> call (docs/protocol/library.md#discovery).</summary>
public static class DiscoveryApi
{
    /// <summary>2.0.0-alpha.2 or newer switches the client to v2 uploads and per-architecture tags (docs/protocol/library.md#d2).</summary>
    public const string ApiVersion = "2.0.0-alpha.2";

    public static readonly string ServerVersion =
        typeof(DiscoveryApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    public static IEndpointRouteBuilder MapDiscovery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/assets/config/config.prod.json", Config);
        app.MapGet("/assets/config/config.json", Config);
        app.MapGet("/version", Version);
        app.MapGet("/v1/token-status", TokenStatus);
        app.MapGet("/v1/rbac/users/current", CurrentUser);
        // Newer clients probe for an OCI registry first; a 404 sends them down the library flow (docs/protocol/library.md#n1).
        app.MapGet("/v1/oci-redirect", () => LibraryError.NotFound("this registry serves SIF images through the library API only"));
        return app;
    }

    /// <summary>Every service on this one origin, no trailing slashes, only objects at the top level (docs/protocol/library.md#d1).</summary>
    public static JsonHttpResult<Dictionary<string, ServiceUri>> Config(HttpContext context, PublicUrls urls)
    {
        var uri = new ServiceUri(urls.BaseUrl(context.Request));
        return TypedResults.Json(new Dictionary<string, ServiceUri>
        {
            ["libraryAPI"] = uri,
            ["keystoreAPI"] = uri,
            ["tokenAPI"] = uri,
        });
    }

    public static Envelope<VersionWire> Version() => new(new VersionWire(ServerVersion, ApiVersion));

    /// <summary>The CLI only reads the status: 200 means valid, and 404 is the one code it words as "Invalid Credentials" (docs/protocol/library.md#d3).</summary>
    public static Results<Envelope<Dictionary<string, string>>, LibraryError> TokenStatus(Caller caller) =>
        caller.Principal.IsAuthenticated
            ? new Envelope<Dictionary<string, string>>(new() { ["status"] = "valid", ["username"] = caller.Principal.Username! })
            : LibraryError.NotFound("invalid credentials: the token is unknown, expired or revoked");

    /// <summary>A bare object, not enveloped (docs/protocol/library.md#user-info).</summary>
    public static async Task<Results<JsonHttpResult<UserInfoWire>, LibraryError>> CurrentUser(Caller caller, RegistryDbContext db,
        CancellationToken ct)
    {
        if (!caller.Principal.IsAuthenticated)
        {
            return OutcomeResults.Error(Problem.Unauthenticated("not logged in"), caller);
        }
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == caller.Principal.UserId, ct);
        return TypedResults.Json(new UserInfoWire(user.Username, user.Email, user.DisplayName, new Dictionary<string, string> { ["secret"] = "" }));
    }

    public sealed record ServiceUri([property: JsonPropertyName("uri")] string Uri);
}
