using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;

namespace SRegistry.Web.Hosting;

public static class RegistryHosting
{
    /// <summary>Signing keys for transfer URLs and cookies live in the database, so restarts and other replicas keep URLs and sessions valid.</summary>
    public static WebApplicationBuilder AddRegistryHosting(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection()
            .SetApplicationName("SRegistry")
            .PersistKeysToRegistryDatabase();
        builder.Services.AddHealthChecks().AddCheck<DataHealthCheck>("data");
        builder.Services.AddHostedService<UploadJanitor>();
        builder.Services.AddHostedService<PullCountFlusher>();
        builder.Services.AddHostedService<PublishWorker>();
        // The framework's own request lines carry the query string, where signed transfer URLs keep their credential:
        // they stay off at any configured level (the registry's request log says the same without it).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level => level >= LogLevel.Warning);
        // Larger socket buffers for image bodies: see LargeBlockMemoryPool.
        LargeBlockMemoryPoolFactory.UseFor(builder.Services);
        return builder;
    }

    /// <summary>Applies committed migrations at startup; a database that cannot be opened stops the app with a clear message.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        _ = scope.ServiceProvider.GetRequiredService<DataFolder>();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            // Readers never wait for the writer, and busy writers queue instead of failing under concurrent pushes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        await SharedKeys.EnsureSharedKeyAsync(app.Services);
        if (app.Services.GetRequiredService<IBlobStore>() is S3BlobStore bucket)
        {
            await bucket.EnsureBucketAsync();
        }
    }
}

/// <summary>Healthy when the database answers, the data folder takes writes and the blob store answers.</summary>
public sealed class DataHealthCheck(RegistryDbContext db, DataFolder folder, IBlobStore blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
        var probe = Path.Combine(folder.Uploads, ".health");
        try
        {
            await File.WriteAllTextAsync(probe, "ok", cancellationToken);
            File.Delete(probe);
        }
        catch (IOException e)
        {
            return HealthCheckResult.Unhealthy("data folder not writable: " + e.Message);
        }
        try
        {
            await blobs.ExistsAsync(new string('0', 64), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("blob store unreachable: " + e.Message);
        }
        return HealthCheckResult.Healthy();
    }
}

public static class ShippedDefaults
{
    /// <summary>
    /// The appsettings.json shipped beside the binary, as the lowest-priority source: every setting keeps its
    /// documented default wherever the app is started from, and anything else still overrides it.
    /// </summary>
    public static IConfigurationBuilder AddShippedDefaults(this IConfigurationManager configuration)
    {
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
        });
        return configuration;
    }
}
