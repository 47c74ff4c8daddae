using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Web.Api.Oci.Auth;
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
        // Newer clients probe for an OCI registry first; a 404 sends them down the library flow (docs/protocol/library.md#n1),
        // a 200 to the OCI endpoints, only when the site says so (docs/protocol/oci.md#redirect-probe).
        app.MapGet("/v1/oci-redirect", LibraryRedirect.Probe);
        return app;
    }

    /// <summary>
    /// Every service on this one origin, no trailing slashes, only objects at the top level (docs/protocol/library.md#d1);
    /// with <c>Registry:Oci:AdvertiseRegistryUri</c>, the library names this same origin as its OCI registry
    /// (docs/protocol/oci.md#oci-sif): SingularityCE keeps the URL's host and path as the <c>docker://</c> prefix.
    /// </summary>
    public static JsonHttpResult<Dictionary<string, ServiceUri>> Config(HttpContext context, PublicUrls urls, IOptions<RegistryOptions> options)
    {
        var baseUrl = urls.BaseUrl(context.Request);
        var uri = new ServiceUri(baseUrl);
        return TypedResults.Json(new Dictionary<string, ServiceUri>
        {
            ["libraryAPI"] = options.Value.Oci.AdvertiseRegistryUri ? uri with { RegistryUri = baseUrl } : uri,
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

    /// <summary>
    /// A bare object, not enveloped (docs/protocol/library.md#user-info). <c>oidc_user_meta.secret</c> is a password for
    /// <c>/v2/token</c> with this username (docs/protocol/oci.md#auth): the API token the caller came with, which they
    /// hold already, so nothing new is handed out.
    /// </summary>
    public static async Task<Results<JsonHttpResult<UserInfoWire>, LibraryError>> CurrentUser(HttpContext context, Caller caller,
        RegistryDbContext db, CancellationToken ct)
    {
        if (!caller.Principal.IsAuthenticated)
        {
            return OutcomeResults.Error(Problem.Unauthenticated("not logged in"), caller);
        }
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == caller.Principal.UserId, ct);
        return TypedResults.Json(new UserInfoWire(user.Username, user.Email, user.DisplayName, new Dictionary<string, string>
        {
            ["secret"] = BearerTokenHandler.TokenFrom(context.Request.Headers.Authorization.ToString()) ?? "",
        }));
    }

    public sealed record ServiceUri([property: JsonPropertyName("uri")] string Uri)
    {
        [JsonPropertyName("registryUri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? RegistryUri { get; init; }
    }
}
