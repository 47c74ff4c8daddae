using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;

namespace SRegistry.Web.Hosting;

public static class RegistryHosting
{
    /// <summary>Signing keys for transfer URLs and cookies live in the data folder, so restarts keep URLs and sessions valid.</summary>
    public static WebApplicationBuilder AddRegistryHosting(this WebApplicationBuilder builder)
    {
        var dataPath = builder.Configuration.GetSection(RegistryOptions.Section).Get<RegistryOptions>()?.ResolveDataPath()
                       ?? new RegistryOptions().ResolveDataPath();
        builder.Services.AddDataProtection()
            .SetApplicationName("SRegistry")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataPath, "keys")));
        builder.Services.AddHealthChecks().AddCheck<DataHealthCheck>("data");
        builder.Services.AddHostedService<UploadJanitor>();
        // The framework's own request lines carry the query string, where signed transfer URLs keep their credential:
        // they stay off at any configured level (the registry's request log says the same without it).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level => level >= LogLevel.Warning);
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
    }
}

/// <summary>Healthy when the database answers and the data folder takes writes.</summary>
public sealed class DataHealthCheck(RegistryDbContext db, DataFolder folder) : IHealthCheck
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
