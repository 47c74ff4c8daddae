using Microsoft.Extensions.DependencyInjection;

namespace SRegistry.Core.Oci;

public static class OciServiceCollectionExtensions
{
    /// <summary>The OCI side: repositories over the library's containers, blobs, uploads and manifests.</summary>
    public static IServiceCollection AddOciRegistry(this IServiceCollection services)
    {
        services.AddSingleton<OciUploadHashes>();
        services.AddScoped<OciChunkMirror>();
        services.AddScoped<OciRepositories>();
        services.AddScoped<RepositoryBlobs>();
        services.AddScoped<OciUploads>();
        services.AddScoped<OciManifestReads>();
        services.AddScoped<OciManifestWrites>();
        services.AddScoped<SifArtifacts>();
        services.AddScoped<OciImageHint>();
        return services;
    }
}
