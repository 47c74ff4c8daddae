using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Oci;

/// <summary>
/// A blob as a repository holds it: in the content-addressed store (<paramref name="Content"/> null), or a config the
/// registry derives from a library image (its bytes, never stored).
/// </summary>
public sealed record RepositoryBlob(string Hex, long Size, byte[]? Content)
{
    public string Digest => OciNames.DigestOf(Hex);
}

/// <summary>
/// The blobs of an OCI repository: those linked into it over OCI, the SIF files of its library images, and their derived
/// configs. Linking stored bytes is admitted against the collection's quota once per repository, and happens under
/// the blob's lock, the lock the garbage collector re-checks under, so linked bytes are never collected.
/// </summary>
public sealed class RepositoryBlobs(RegistryDbContext db, IBlobStore store, BlobLocks blobLocks, QuotaAccounting quotas, OciRepositories repositories,
    TimeProvider clock)
{
    public async Task<RepositoryBlob?> FindAsync(OciRepository repository, string hex, CancellationToken ct = default)
    {
        var containerId = repository.Container.Id;
        var linked = await db.OciBlobLinks.AsNoTracking().Where(l => l.ContainerId == containerId && l.Hex == hex).Select(l => (long?)l.Size)
            .FirstOrDefaultAsync(ct);
        if (linked is { } size)
        {
            return new RepositoryBlob(hex, size, null);
        }
        var hash = NameRules.HashPrefix + hex;
        var image = await db.Images.AsNoTracking().Where(i => i.ContainerId == containerId && i.Hash == hash && i.IsUploaded)
            .Select(i => (long?)i.Size).FirstOrDefaultAsync(ct);
        if (image is { } imageSize)
        {
            return new RepositoryBlob(hex, imageSize, null);
        }
        foreach (var projected in await LibraryImagesAsync(containerId, ct))
        {
            var config = SifProjection.Config(projected);
            if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(config)) == hex)
            {
                return new RepositoryBlob(hex, config.Length, config);
            }
        }
        return null;
    }

    /// <summary>The container's uploaded library images that have an architecture: the ones the OCI side shows.</summary>
    public Task<List<Image>> LibraryImagesAsync(string containerId, CancellationToken ct = default) =>
        db.Images.AsNoTracking().Where(i => i.ContainerId == containerId && i.IsUploaded && i.Arch != null).ToListAsync(ct);

    /// <summary>
    /// Makes verified bytes the blob <paramref name="hex"/> of the repository: stored once (a copy already in the
    /// store is reused), then linked. <paramref name="verifiedFile"/> is consumed or deleted.
    /// </summary>
    public async Task<OciOutcome<RepositoryBlob>> PublishAsync(OciRepository repository, string verifiedFile, string hex, long size,
        CancellationToken ct)
    {
        try
        {
            if (await FindAsync(repository, hex, ct) is { Content: null } already)
            {
                return already;
            }
            // Both stores keep what they already hold and take the file otherwise.
            return await LinkAsync(repository, hex, size, () => store.PublishAsync(verifiedFile, hex, ct), ct);
        }
        finally
        {
            File.Delete(verifiedFile);
        }
    }

    /// <summary>
    /// Cross-repository mount: links a blob the caller can read in <paramref name="from"/> without sending it again.
    /// Null (not an error) when it cannot be mounted: the client then uploads it as usual.
    /// </summary>
    public async Task<RepositoryBlob?> MountAsync(Principal who, OciRepository repository, string hex, string? from, CancellationToken ct)
    {
        var source = await repositories.FindForReadAsync(who, from, ct);
        if (!source.Succeeded || await FindAsync(source.Value!, hex, ct) is not { Content: null } blob)
        {
            return null;
        }
        var linked = await LinkAsync(repository, hex, blob.Size, () => Task.CompletedTask, ct);
        return linked.Succeeded ? linked.Value : null;
    }

    private async Task<OciOutcome<RepositoryBlob>> LinkAsync(OciRepository repository, string hex, long size, Func<Task> storeBytes,
        CancellationToken ct)
    {
        var admitted = await quotas.AdmitAsync(repository.Collection.Id, size, "", async () =>
        {
            await using (await blobLocks.AcquireAsync(hex, ct))
            {
                await storeBytes();
                if (!await store.ExistsAsync(hex, ct))
                {
                    return false;
                }
                db.OciBlobLinks.Add(new OciBlobLink { ContainerId = repository.Container.Id, Hex = hex, Size = size, CreatedAt = clock.GetUtcNow() });
                // A concurrent push of the same blob linked it first: the same bytes, so either link is the link.
                await db.TrySaveUniqueAsync(ct);
                return true;
            }
        }, ct);
        if (!admitted.Succeeded)
        {
            return OciRefusal.From(new Problem(admitted.Failure, admitted.Message), OciCode.BlobUnknown);
        }
        return admitted.Value
            ? new RepositoryBlob(hex, size, null)
            : new OciRefusal(OciCode.BlobUnknown, "the blob's bytes are not in the store");
    }
}
