using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Naming;
using SRegistry.Core.Statistics;

namespace SRegistry.Core.Storage;

/// <summary>What a garbage collection freed, or in a dry run would free.</summary>
public sealed record GarbageReport(bool DryRun, int Blobs, long Bytes, int BlobsKept);

/// <summary>
/// Frees blobs that no image record or OCI blob link references. Deleting images frees their blobs at once, so garbage comes from
/// elsewhere: a crash between deleting rows and files, an image deleted while its upload was landing, abandoned
/// uploads whose records the upload janitor removed. Every removal re-checks the database under the blob's lock,
/// the same lock publishing an upload and linking a deduplicated image take, so a concurrent push keeps its bytes:
/// from the moment a push creates its image record (before any byte is sent) the blob counts as referenced.
/// </summary>
public sealed partial class GarbageCollector(RegistryDbContext db, IBlobStore blobs, BlobLocks blobLocks, AuditLog audit, ILogger<GarbageCollector> log)
{
    /// <summary>For the admin area: to anyone but an admin it does not exist.</summary>
    public async Task<Outcome<GarbageReport>> CollectAsync(Principal who, bool dryRun, CancellationToken ct = default)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        return await RunAsync(who, dryRun, ct);
    }

    /// <summary>
    /// For the server's own command line, whose user holds the data folder anyway. A dry run applies the same test
    /// as a real run, so with nothing changing in between the real run frees exactly what the dry run reported.
    /// </summary>
    public Task<GarbageReport> CollectUnreferencedAsync(bool dryRun, CancellationToken ct = default) => RunAsync(null, dryRun, ct);

    private async Task<GarbageReport> RunAsync(Principal? who, bool dryRun, CancellationToken ct)
    {
        // A first pass against one snapshot of the references; every candidate is checked again under its lock.
        var referenced = (await db.Images.AsNoTracking().Select(i => i.Hash).Distinct().ToListAsync(ct))
            .Select(ImageCatalog.HexOf).ToHashSet(StringComparer.Ordinal);
        referenced.UnionWith(await db.OciBlobLinks.AsNoTracking().Select(l => l.Hex).Distinct().ToListAsync(ct));
        int freed = 0, kept = 0;
        long bytes = 0;
        var stored = new List<string>();
        await foreach (var hex in blobs.ListHashesAsync(ct))
        {
            stored.Add(hex);
        }
        foreach (var hex in stored)
        {
            if (referenced.Contains(hex))
            {
                kept++;
                continue;
            }
            await using (await blobLocks.AcquireAsync(hex, ct))
            {
                var hash = NameRules.HashPrefix + hex;
                var size = await blobs.GetSizeAsync(hex, ct);
                if (size is null)
                {
                    continue;
                }
                if (await db.Images.AnyAsync(i => i.Hash == hash, ct) || await db.OciBlobLinks.AnyAsync(l => l.Hex == hex, ct))
                {
                    // Referenced since the first pass: a push is using these bytes.
                    kept++;
                    continue;
                }
                if (!dryRun)
                {
                    await blobs.DeleteAsync(hex, ct);
                }
                freed++;
                bytes += size.Value;
            }
        }
        if (!dryRun)
        {
            RegistryMetrics.GarbageCollections.Add(1);
            // Blobs are files, not rows: what was freed is recorded once the run is over. Dry runs change nothing.
            audit.Record(who, AuditActions.GarbageCollect, "blob store", $"freed {freed} blob(s), {Quotas.ByteCount.Format(bytes)}; kept {kept}");
            await db.SaveChangesAsync(ct);
            if (freed > 0)
            {
                LogFreed(log, freed, bytes);
            }
        }
        return new GarbageReport(dryRun, freed, bytes, kept);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection freed {Blobs} unreferenced blobs ({Bytes} bytes)")]
    private static partial void LogFreed(ILogger logger, int blobs, long bytes);
}
