using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Sif;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Import;

/// <summary>A tag here, by its key.</summary>
public sealed record ImportedTag(string ContainerId, string Arch, string Name);

/// <summary>
/// sregistry's tags (one <c>main_container</c> row each) as containers, images and tags here. Bytes are hashed on
/// the way in and stored under that hash (two tags or two files with the same bytes share one blob); a row whose
/// digest disagrees with its bytes keeps the bytes' hash and is reported. A blob already here is not read again.
/// </summary>
public sealed class ImageImporter(RegistryDbContext db, IBlobStore blobs, DataFolder folder, ImageContentsService contents, TimeProvider clock)
{
    /// <summary>
    /// Imports every tag row; answers, per sregistry row imported, the tag it is here (null: a dry run would create it),
    /// so labels can follow their tags.
    /// </summary>
    public async Task<Dictionary<int, ImportedTag?>> ImportAsync(SregistryDump dump, Dictionary<int, (string? Id, string Name)> collections, SregistryStorage storage, bool dryRun,
        ImportReport report, CancellationToken ct)
    {
        var sourceNames = dump.Collections.ToDictionary(c => c.Id, c => c.Name);
        var (containerPulls, imagePulls) = (new Dictionary<string, long>(StringComparer.Ordinal), new Dictionary<string, long>(StringComparer.Ordinal));
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var imported = new Dictionary<int, ImportedTag?>();
        // What an interrupted import was copying when it stopped (one import runs at a time).
        foreach (var leftover in Directory.GetFiles(folder.Uploads, "import-*.upload"))
        {
            File.Delete(leftover);
        }
        foreach (var row in dump.Tags)
        {
            if (row.Tag.StartsWith("DUMMY-", StringComparison.Ordinal))
            {
                report.NotImported.Add($"tag row {row.Id} ({row.Name}:{row.Tag}): an interrupted push, skipped");
                continue;
            }
            if (!collections.TryGetValue(row.CollectionId, out var collection))
            {
                report.NotImported.Add($"tag row {row.Id} ({row.Name}:{row.Tag}): its collection was not imported");
                continue;
            }
            var (container, tag) = (ImportNames.Container(row.Name), ImportNames.Tag(row.Tag));
            if (container is null || tag is null)
            {
                report.NotImported.Add($"tag row {row.Id} ({row.Name}:{row.Tag}): no valid {(container is null ? "container name" : "tag")} can be made from it");
                continue;
            }
            if (container != row.Name || tag != row.Tag)
            {
                report.Renamed.Add($"{collection.Name}/{row.Name}:{row.Tag} → {collection.Name}/{container}:{tag}");
            }
            var bytes = await BytesAsync(row, sourceNames[row.CollectionId], storage, dryRun, ct);
            if (bytes.Problem is not null)
            {
                report.NotImported.Add($"{collection.Name}/{container}:{tag} (row {row.Id}): {bytes.Problem}");
                continue;
            }
            if (bytes.Hash != row.Version && row.Version is not null)
            {
                report.Renamed.Add($"{collection.Name}/{container}:{tag}: digest {row.Version} in sregistry, the bytes hash to {bytes.Hash}");
            }
            var pulls = dump.PullsOf(sourceNames[row.CollectionId], row);
            counted.Add($"{sourceNames[row.CollectionId]}/{row.Name}:{row.Tag}");
            var ids = await TagAsync(collection, container, tag, row, bytes, dryRun, report, ct);
            imported[row.Id] = ids is null ? null : new ImportedTag(ids.Value.ContainerId, bytes.Arch, tag);
            if (ids is not null && pulls > 0)
            {
                containerPulls[ids.Value.ContainerId] = containerPulls.GetValueOrDefault(ids.Value.ContainerId) + pulls;
                imagePulls[ids.Value.ImageId] = imagePulls.GetValueOrDefault(ids.Value.ImageId) + pulls;
            }
        }
        await DownloadCountsAsync(containerPulls, imagePulls, dryRun, report, ct);
        foreach (var (reference, pulls) in dump.PullsByReference.Where(p => !counted.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            report.NotImported.Add($"{pulls} logged pull(s) of {reference}: no such tag was imported (sregistry counts failed requests too)");
        }
        return imported;
    }

    /// <summary>
    /// sregistry's logged pulls per tag become the download counts of containers and images. Raised to the imported
    /// number, never lowered, so pulls made here after an import are kept and a second import changes nothing.
    /// </summary>
    private async Task DownloadCountsAsync(Dictionary<string, long> containers, Dictionary<string, long> images, bool dryRun, ImportReport report,
        CancellationToken ct)
    {
        foreach (var (id, pulls) in containers)
        {
            var changed = dryRun ? await db.Containers.CountAsync(c => c.Id == id && c.DownloadCount < pulls, ct)
                : await db.Containers.Where(c => c.Id == id && c.DownloadCount < pulls).ExecuteUpdateAsync(s => s.SetProperty(c => c.DownloadCount, pulls), ct);
            (changed > 0 ? (Action<string>)report.Updated : report.Unchanged)("container download counts");
        }
        foreach (var (id, pulls) in images)
        {
            if (!dryRun)
            {
                await db.Images.Where(i => i.Id == id && i.DownloadCount < pulls).ExecuteUpdateAsync(s => s.SetProperty(i => i.DownloadCount, pulls), ct);
            }
        }
    }

    /// <param name="Inside">What was read from inside the bytes; null when they were already stored (their contents are copied).</param>
    private sealed record Bytes(string Hash, long Size, string Arch, string? Problem = null, SifContents? Inside = null,
        IReadOnlyList<string>? Signers = null);

    private async Task<Bytes> BytesAsync(SrTag row, string sourceCollection, SregistryStorage storage, bool dryRun, CancellationToken ct)
    {
        // Already stored under the digest the row names: verified when it was stored, so not read again.
        if (row.Version is { } version && NameRules.IsImageHash(version) && await db.Images.AsNoTracking()
                .Where(i => i.Hash == version && i.IsUploaded).Select(i => new { i.Size, i.Arch }).FirstOrDefaultAsync(ct) is { } known)
        {
            return new Bytes(version, known.Size, known.Arch ?? NameRules.DefaultArch);
        }
        await using var source = await storage.OpenAsync(row, sourceCollection, ct);
        if (source is null)
        {
            return new Bytes("", 0, "", row.Datafile is null ? $"object {row.ObjectKey(sourceCollection)} is not in the storage given"
                : $"file {(row.Datafile.Length == 0 ? "(none recorded)" : row.Datafile)} is not in the storage given");
        }
        var temp = Path.Combine(folder.Uploads, $"import-{Guid.NewGuid():N}.upload");
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), ct);
                    size += read;
                }
            }
            var hex = Convert.ToHexStringLower(sha.GetHashAndReset());
            var sif = SifInspector.InspectFile(temp);
            if (!sif.IsValid)
            {
                return new Bytes("", 0, "", $"the bytes are not a SIF image ({sif.Error})");
            }
            SifContents? inside;
            using (var file = File.OpenHandle(temp))
            {
                // Unreadable contents do not stop an import (sregistry accepted the image); the page then shows none.
                inside = SifContentsReader.Read(SifSource.FromFile(file)).Contents;
            }
            if (!dryRun)
            {
                await blobs.PublishAsync(temp, hex, ct);
            }
            return new Bytes("sha256." + hex, size, sif.Arch ?? NameRules.DefaultArch, Inside: inside, Signers: sif.Signers);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>What is inside the image, as a push records it: read now, or copied from an image with the same bytes.</summary>
    private async Task RecordContentsAsync(Image image, Bytes bytes, CancellationToken ct)
    {
        if (bytes.Inside is not null)
        {
            image.IsSigned = bytes.Signers is { Count: > 0 };
            image.SignerFingerprints = string.Join(' ', bytes.Signers ?? []);
            await contents.RecordAsync(image, bytes.Inside, ct);
            return;
        }
        var twin = await db.Images.AsNoTracking().Where(i => i.Hash == bytes.Hash && i.Id != image.Id && db.ImageContents.Any(c => c.ImageId == i.Id))
            .Select(i => new { i.Id, i.IsSigned, i.SignerFingerprints }).FirstOrDefaultAsync(ct);
        if (twin is not null)
        {
            image.IsSigned = twin.IsSigned;
            image.SignerFingerprints = twin.SignerFingerprints;
            var copy = await db.ImageContents.AsNoTracking().SingleAsync(c => c.ImageId == twin.Id, ct);
            copy.ImageId = image.Id;
            db.ImageContents.Add(copy);
        }
    }

    /// <summary>The container's and image's ids here; null in a dry run for what does not exist yet.</summary>
    private async Task<(string ContainerId, string ImageId)?> TagAsync((string? Id, string Name) collection, string containerName, string tagName, SrTag row, Bytes bytes, bool dryRun,
        ImportReport report, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var container = collection.Id is null ? null
            : await db.Containers.FirstOrDefaultAsync(c => c.CollectionId == collection.Id && c.Name == containerName, ct);
        if (container is null)
        {
            report.Created("containers");
            if (dryRun)
            {
                report.Created("images");
                report.Created("tags");
                return null;
            }
            container = new Container { CollectionId = collection.Id!, Name = containerName, CreatedAt = row.Saved, UpdatedAt = row.Saved };
            db.Containers.Add(container);
            await db.SaveChangesAsync(ct);
        }
        var image = await db.Images.FirstOrDefaultAsync(i => i.ContainerId == container.Id && i.Hash == bytes.Hash, ct);
        if (image is null)
        {
            report.Created("images");
            image = new Image
            {
                ContainerId = container.Id, Hash = bytes.Hash, Size = bytes.Size, Arch = bytes.Arch, IsUploaded = !dryRun,
                CreatedById = (await db.Collections.Where(c => c.Id == container.CollectionId).Select(c => c.OwnerId).SingleAsync(ct)),
                CreatedAt = row.Saved, UpdatedAt = now,
            };
            if (!dryRun)
            {
                db.Images.Add(image);
                await RecordContentsAsync(image, bytes, ct);
                await db.SaveChangesAsync(ct);
            }
        }
        else
        {
            report.Unchanged("images");
        }
        var tag = await db.Tags.FirstOrDefaultAsync(t => t.ContainerId == container.Id && t.Arch == bytes.Arch && t.Name == tagName, ct);
        if (tag is null)
        {
            report.Created("tags");
            if (!dryRun)
            {
                db.Tags.Add(new Tag { ContainerId = container.Id, Arch = bytes.Arch, Name = tagName, ImageId = image.Id, UpdatedAt = now, IsFrozen = row.Frozen });
            }
        }
        else if (tag.ImageId == image.Id && tag.IsFrozen == row.Frozen)
        {
            report.Unchanged("tags");
        }
        else
        {
            report.Updated("tags");
            tag.ImageId = image.Id;
            tag.IsFrozen = row.Frozen;
            tag.UpdatedAt = now;
        }
        if (!dryRun)
        {
            await db.SaveChangesAsync(ct);
        }
        db.ChangeTracker.Clear();
        return dryRun && !image.IsUploaded ? null : (container.Id, image.Id);
    }
}
