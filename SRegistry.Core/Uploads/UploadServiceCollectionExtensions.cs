using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>
    /// The upload steps over the staging that goes with the blob store, chosen here once: with S3 clients send bytes
    /// to the bucket's staging area, otherwise they come through this app into the data folder.
    /// </summary>
    public static IServiceCollection AddUploads(this IServiceCollection services)
    {
        services.AddSingleton<UploadGates>();
        services.AddSingleton<MultipartHashes>();
        services.AddSingleton(sp => new S3StagingArea(sp.GetRequiredService<S3BlobStore>()));
        services.AddScoped<FolderStaging>();
        services.AddScoped<ObjectStoreStaging>();
        services.AddScoped<IUploadStaging>(sp => sp.GetRequiredService<IOptions<BlobStoreOptions>>().Value.Kind == BlobStoreKind.S3
            ? sp.GetRequiredService<ObjectStoreStaging>()
            : sp.GetRequiredService<FolderStaging>());
        services.AddScoped<PartList>();
        services.AddScoped<PushAdmission>();
        services.AddScoped<ImagePublisher>();
        services.AddScoped<WholeBodyReceiver>();
        services.AddScoped<SinglePartUploads>();
        services.AddScoped<MultipartUploads>();
        services.AddScoped<OneRequestUploads>();
        services.AddScoped<UploadExpiry>();
        return services;
    }
}
