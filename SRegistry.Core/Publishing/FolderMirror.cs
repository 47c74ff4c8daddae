using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Publishing;

/// <summary>What one round did (or, in a dry run, would do) to the publish folder, path by path.</summary>
public sealed record PublishReport(IReadOnlyList<string> Added, IReadOnlyList<string> Replaced, IReadOnlyList<string> Removed, int Unchanged,
    IReadOnlyList<string> Problems)
{
    public bool ChangedAnything => Added.Count + Replaced.Count + Removed.Count > 0;
}

/// <summary>
/// Makes the publish folder match <see cref="PublishPlan"/>. It only ever touches paths it has recorded in
/// <see cref="PublishedFile"/> rows, so other files in the folder are left alone; a wanted path that someone else's
/// file already occupies is reported, not overwritten. The row is written (as incomplete) before the file, so a crash
/// at any step leaves a path this class knows about, holding either the old file or the new one.
/// </summary>
public sealed class FolderMirror(RegistryDbContext db, PublishPlan plan, PublishedFileWriter writer, TimeProvider clock)
{
    /// <param name="checkFiles">Also look at the files themselves (a file removed or cut short by hand is written again).</param>
    public async Task<PublishReport> ReconcileAsync(bool dryRun, bool checkFiles = true, CancellationToken ct = default)
    {
        var (added, replaced, removed, problems) = (new List<string>(), new List<string>(), new List<string>(), new List<string>());
        var unchanged = 0;
        var wanted = await plan.WantedAsync(ct);
        var recorded = await db.PublishedFiles.AsNoTracking().ToDictionaryAsync(f => f.Path, StringComparer.Ordinal, ct);

        foreach (var gone in recorded.Values.Where(r => !wanted.ContainsKey(r.Path)).OrderBy(r => r.Path, StringComparer.Ordinal))
        {
            removed.Add(gone.Path);
            if (!dryRun)
            {
                writer.Remove(gone.Path);
                using (PublishSignal.Quiet())
                {
                    await db.PublishedFiles.Where(f => f.Path == gone.Path).ExecuteDeleteAsync(ct);
                }
            }
        }

        foreach (var file in wanted.Values.OrderBy(w => w.Path, StringComparer.Ordinal))
        {
            recorded.TryGetValue(file.Path, out var record);
            var onDisk = checkFiles || record is null ? writer.SizeAt(file.Path) : record.Size;
            if (record is { IsComplete: true } && record.Hash == file.Hash && onDisk == file.Size)
            {
                unchanged++;
                continue;
            }
            if (record is null && onDisk is not null)
            {
                problems.Add($"{file.Path}: a file the registry did not write is already there; left alone");
                continue;
            }
            (onDisk is null ? added : replaced).Add(file.Path);
            if (!dryRun)
            {
                var problem = await WriteAsync(file, record, ct);
                if (problem is not null)
                {
                    problems.Add($"{file.Path}: {problem}");
                }
            }
        }
        return new PublishReport(added, replaced, removed, unchanged, problems);
    }

    /// <summary>Records, stages, checks it is still wanted, renames, marks done; null on success, else why not.</summary>
    private async Task<string?> WriteAsync(WantedFile file, PublishedFile? record, CancellationToken ct)
    {
        using var quiet = PublishSignal.Quiet();
        await SaveRecordAsync(file, record is null, complete: false, ct);
        if (!await writer.StageAsync(file, ct))
        {
            return "the image's bytes are not in the blob store";
        }
        // The tag may have moved, or the collection gone private, while the bytes were copied.
        if (!await plan.StillWantedAsync(file, ct))
        {
            writer.Discard(file.Path);
            return null;
        }
        writer.Commit(file);
        await SaveRecordAsync(file, isNew: false, complete: true, ct);
        return null;
    }

    private async Task SaveRecordAsync(WantedFile file, bool isNew, bool complete, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (isNew)
        {
            db.PublishedFiles.Add(new PublishedFile { Path = file.Path, Hash = file.Hash, Size = file.Size, IsComplete = complete, UpdatedAt = now });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return;
        }
        await db.PublishedFiles.Where(f => f.Path == file.Path).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.Hash, file.Hash).SetProperty(f => f.Size, file.Size)
            .SetProperty(f => f.IsComplete, complete).SetProperty(f => f.UpdatedAt, now), ct);
    }
}
