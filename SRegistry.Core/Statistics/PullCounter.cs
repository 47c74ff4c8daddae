using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Statistics;

/// <summary>
/// Counts pulls in memory and writes them in batches, so a pull never waits for (or competes with pushes for) the
/// database's write lock. The day is taken when the pull happens, so a batch written after midnight still counts
/// each pull on its own day. A batch that cannot be written (disk full, database busy) is kept for the next flush.
/// </summary>
public sealed class PullCounter(IServiceScopeFactory scopes, TimeProvider clock)
{
    private readonly record struct PullKey(string ImageId, string ContainerId, DateOnly Day);

    private readonly Lock gate = new();
    private Dictionary<PullKey, long> pending = [];

    /// <summary>Pulls counted but not yet written.</summary>
    public long Pending
    {
        get { lock (gate) { return pending.Values.Sum(); } }
    }

    public void Record(Image image)
    {
        var key = new PullKey(image.Id, image.ContainerId, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        lock (gate)
        {
            pending[key] = pending.GetValueOrDefault(key) + 1;
        }
        RegistryMetrics.Pulls.Add(1);
    }

    /// <summary>Writes every pull counted so far in one transaction; returns how many pulls it wrote.</summary>
    public async Task<long> FlushAsync(CancellationToken ct = default)
    {
        Dictionary<PullKey, long> batch;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                return 0;
            }
            (batch, pending) = (pending, []);
        }
        try
        {
            await WriteAsync(batch, ct);
            return batch.Values.Sum();
        }
        catch (Exception e) when (StorageFaults.Classify(e) != StorageFault.None || e is OperationCanceledException)
        {
            Restore(batch);
            throw;
        }
    }

    private void Restore(Dictionary<PullKey, long> batch)
    {
        lock (gate)
        {
            foreach (var (key, pulls) in batch)
            {
                pending[key] = pending.GetValueOrDefault(key) + pulls;
            }
        }
    }

    private async Task WriteAsync(Dictionary<PullKey, long> batch, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        using var countersOnly = LookupCache.CountersOnly();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var image in batch.GroupBy(p => p.Key.ImageId))
        {
            var pulls = image.Sum(p => p.Value);
            await db.Images.Where(i => i.Id == image.Key).ExecuteUpdateAsync(s => s.SetProperty(i => i.DownloadCount, i => i.DownloadCount + pulls), ct);
        }
        foreach (var container in batch.GroupBy(p => p.Key.ContainerId))
        {
            var pulls = container.Sum(p => p.Value);
            await db.Containers.Where(c => c.Id == container.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.DownloadCount, c => c.DownloadCount + pulls), ct);
        }
        foreach (var day in batch.GroupBy(p => (p.Key.ContainerId, p.Key.Day)))
        {
            var (containerId, date) = day.Key;
            var pulls = day.Sum(p => p.Value);
            // A container deleted since its pull has no row to count against; the foreign key would refuse the insert.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "ContainerPullDays" ("ContainerId", "Day", "Pulls")
                SELECT {containerId}, {date}, {pulls} WHERE EXISTS (SELECT 1 FROM "Containers" WHERE "Id" = {containerId})
                ON CONFLICT ("ContainerId", "Day") DO UPDATE SET "Pulls" = "ContainerPullDays"."Pulls" + {pulls}
                """, ct);
        }
        await transaction.CommitAsync(ct);
    }
}
