using SRegistry.Web.Api.Blobs;

namespace SRegistry.Web.Api.Library;

public static class LibraryApiExtensions
{
    /// <summary>Path prefixes that belong to the protocols: they never fall through to a web page (docs/protocol/library.md#hosting).</summary>
    public static readonly string[] ApiPrefixes = ["/v1", "/v2", "/version", "/assets/config", "/pks", "/_blobs", "/healthz"];

    public static bool IsApiPath(PathString path) =>
        ApiPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    public static IServiceCollection AddLibraryApi(this IServiceCollection services)
    {
        services.AddSingleton<PublicUrls>();
        services.AddSingleton<TransferTokens>();
        return services;
    }

    /// <summary>The whole <c>library://</c> protocol: discovery, namespaces, images, uploads and blob transfers.</summary>
    public static IEndpointRouteBuilder MapLibraryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup();
        api.MapDiscovery();
        api.MapNamespaces();
        api.MapImages();
        api.MapUploads();
        api.MapBlobTransfers();
        foreach (var prefix in new[] { "/v1", "/v2", "/_blobs", "/pks", "/assets" })
        {
            app.MapFallback(prefix + "/{**rest}", () => LibraryError.NotFound("no such API endpoint"));
        }
        return app;
    }
}
