using SRegistry.Web.Api.Library;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>
/// The OCI distribution API beside the library's (docs/protocol/oci.md): <c>/v2/</c>, and per repository
/// <c>/v2/&lt;entity&gt;/&lt;collection&gt;/&lt;container&gt;/…</c>. Repository names have exactly the library's three
/// segments, so they never meet the library's own <c>/v2/imagefile/…</c> and <c>/v2/tags/…</c>.
/// </summary>
public static class OciApi
{
    private const string ApiVersionHeader = "Docker-Distribution-API-Version";

    public static IServiceCollection AddOciApi(this IServiceCollection services) => services.AddScoped<OciGate>();

    public static IEndpointRouteBuilder MapOciRegistry(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/", Base).AddEndpointFilter(StampApiVersion);
        var repository = app.MapGroup("/v2/{entity}/{collection}/{container}").AddEndpointFilter(StampApiVersion);
        repository.MapOciManifests();
        repository.MapOciBlobs();
        repository.MapOciUploads();
        // Anything else under /v2 shaped like an OCI request names a repository this registry cannot have.
        app.Map("/v2/{**rest}", (string rest) => IsOciShaped(rest)
            ? (IResult)OciError.NameInvalid(Core.Oci.OciNames.RepositoryRule)
            : LibraryError.NotFound("no such API endpoint"));
        return app;
    }

    /// <summary>
    /// The version check: 200 for a caller who came with credentials that work, else the challenge that tells a client
    /// where to log in (anonymous clients then fetch an anonymous token, which pulls public repositories).
    /// </summary>
    public static IResult Base(HttpContext context, OciCaller caller) =>
        caller.Principal.IsAuthenticated && !caller.PresentedBadCredentials
            ? Results.Json(new { })
            : OciChallenge.For(context, null, "");

    private static async ValueTask<object?> StampApiVersion(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        invocation.HttpContext.Response.Headers[ApiVersionHeader] = "registry/2.0";
        return await next(invocation);
    }

    private static bool IsOciShaped(string rest) =>
        rest.Contains("/manifests/", StringComparison.Ordinal) || rest.Contains("/blobs/", StringComparison.Ordinal)
        || rest.EndsWith("/tags/list", StringComparison.Ordinal) || rest.Contains("/referrers/", StringComparison.Ordinal);
}
