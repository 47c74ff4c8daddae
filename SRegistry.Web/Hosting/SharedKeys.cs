using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;

namespace SRegistry.Web.Hosting;

/// <summary>
/// The keys that sign transfer URLs and cookies live in the database, so every replica accepts what any other
/// issued. Startup makes sure one key exists before any request is served, under a database lock: replicas
/// starting together on an empty database would otherwise each make their own and reject each other's URLs
/// until their key rings refresh (a day later).
/// </summary>
public static partial class SharedKeys
{
    public static IDataProtectionBuilder PersistKeysToRegistryDatabase(this IDataProtectionBuilder builder) =>
        builder.PersistKeysToDbContext<RegistryDbContext>();

    public static async Task EnsureSharedKeyAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var locks = services.GetRequiredService<DatabaseLocks>();
        await using (await locks.AcquireAsync("data-protection-keys", ct))
        {
            using (var scope = services.CreateScope())
            {
                await ImportFolderKeysAsync(scope.ServiceProvider, ct);
            }
            var keys = services.GetRequiredService<IKeyManager>();
            var now = DateTimeOffset.UtcNow;
            if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
            {
                keys.CreateNewKey(activationDate: now, expirationDate: now.AddDays(90));
            }
        }
    }

    /// <summary>Keys written by earlier versions to <c>data/keys</c> move into the database once, so existing sessions and URLs stay valid.</summary>
    private static async Task ImportFolderKeysAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<RegistryDbContext>();
        var folder = new DirectoryInfo(services.GetRequiredService<DataFolder>().Keys);
        if (!folder.Exists || await db.DataProtectionKeys.AnyAsync(ct))
        {
            return;
        }
        var files = folder.GetFiles("key-*.xml");
        foreach (var file in files)
        {
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file.Name),
                Xml = await File.ReadAllTextAsync(file.FullName, ct),
            });
        }
        if (files.Length > 0)
        {
            await db.SaveChangesAsync(ct);
            LogImported(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SharedKeys).FullName!), files.Length, folder.FullName);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Count} signing keys from {Folder} into the database")]
    private static partial void LogImported(ILogger logger, int count, string folder);
}
