using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Quotas;
using SRegistry.Core.Sif;
using SRegistry.Core.Statistics;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>What the client is told after an upload is published.</summary>
public sealed record UploadReceipt(QuotaUsage Quota, string ContainerPath);

/// <summary>
/// Verifies one upload's staged bytes, wherever they are staged (size, SHA-256 against the image's hash, SIF format and
/// contents), makes them the blob, and then the image visible. Nothing is visible until all of that has held.
/// </summary>
public sealed partial class ImagePublisher(
    RegistryDbContext db,
    QuotaAccounting quotas,
    IBlobStore blobs,
    BlobLocks blobLocks,
    ImageContentsService contents,
    TimeProvider clock,
    AuditLog audit,
    ILogger<ImagePublisher> log)
{
    /// <summary>
    /// Reads the landed bytes back once and only then makes them the blob. A failure leaves the image not uploaded;
    /// the caller discards the session and its bytes, so the next push starts afresh.
    /// </summary>
    public async Task<Outcome<bool>> VerifyAndStoreAsync(UploadSession session, IUploadStaging staging, long size, string? hashedOnArrival,
        CancellationToken ct)
    {
        if (size != session.ExpectedSize)
        {
            return Problem.Invalid($"upload incomplete: received {size} of {session.ExpectedSize} bytes");
        }
        var image = session.Image!;
        using var staged = await staging.ReadBackAsync(session, size, hashedOnArrival, ct);
        if (NameRules.HashPrefix + staged.Sha256Hex != image.Hash)
        {
            return Problem.Invalid($"the uploaded file hashes to sha256.{staged.Sha256Hex}, not {image.Hash}");
        }
        var sif = staged.Inspect();
        if (!sif.IsValid)
        {
            return Problem.Invalid($"only SIF images (Singularity 3.3 or newer) are accepted: {sif.Error}");
        }
        var (inside, unreadable) = staged.ReadContents();
        if (inside is null)
        {
            return Problem.Invalid($"the image's contents cannot be read: {unreadable}");
        }
        await contents.RecordAsync(image, inside, ct);
        try
        {
            await using (await blobLocks.AcquireAsync(staged.Sha256Hex, ct))
            {
                await staged.PublishAsync(ct);
            }
        }
        catch (StagedObjectChangedException e)
        {
            return Problem.Invalid($"{e.Message}; push again");
        }
        image.Size = staged.Size;
        image.Arch ??= sif.Arch;
        image.IsSigned = sif.Signers.Count > 0;
        image.SignerFingerprints = string.Join(' ', sif.Signers);
        image.UpdatedAt = clock.GetUtcNow();
        return true;
    }

    /// <summary>Makes an image whose blob is stored visible, once the collection's signed-only rule admits it.</summary>
    public async Task<Outcome<UploadReceipt>> MarkUploadedAsync(Principal who, Image image, Collection collection, CancellationToken ct)
    {
        var container = await db.Containers.AsNoTracking().Where(c => c.Id == image.ContainerId).Select(c => c.Name).FirstAsync(ct);
        // A signed-only collection's rule: refused here, the image stays invisible (its blob unreferenced until collected).
        if (await contents.AdmitAsync(image, collection, ct) is { } refused)
        {
            LogRefusedBySignedOnly(log, image.Hash, refused.Message);
            return refused;
        }
        // Under the blob's lock, so a garbage collection cannot remove the bytes between this check and the commit.
        await using (await blobLocks.AcquireAsync(ImageCatalog.HexOf(image.Hash), ct))
        {
            if (!await blobs.ExistsAsync(ImageCatalog.HexOf(image.Hash), ct))
            {
                return Problem.Conflict("the image's bytes are missing; push again");
            }
            image.IsUploaded = true;
            image.UpdatedAt = clock.GetUtcNow();
            audit.Record(who, AuditActions.ImagePush, ImageCatalog.ImagePath(collection.Name, container, image.Hash), ImageCatalog.PushDetails(image, "uploaded"));
            await SaveWithContentsAsync(image, ct);
        }
        LogPublished(log, image.Hash, image.Size);
        RegistryMetrics.Pushes.Add(1);
        return await ReceiptAsync(image, collection, ct);
    }

    /// <summary>Saves the unit of work that recorded the image's contents.</summary>
    public async Task SaveWithContentsAsync(Image image, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e) && contents.YieldToConcurrentRecord(image))
        {
            // Another client pushed the same bytes a moment earlier and recorded the same contents first.
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The usage and quota of the account the push was charged to (the completion's <c>quota</c>), and the container's web path.</summary>
    public async Task<Outcome<UploadReceipt>> ReceiptAsync(Image image, Collection collection, CancellationToken ct)
    {
        var container = await db.Containers.AsNoTracking().FirstAsync(c => c.Id == image.ContainerId, ct);
        var usage = await quotas.UsageAsync(await quotas.AccountOfAsync(collection.Id, ct), ct);
        return new UploadReceipt(usage, $"collections/{collection.Name}/{container.Name}");
    }

    /// <summary>The collection an image's container is in.</summary>
    public Task<Collection> CollectionOfAsync(Image image, CancellationToken ct) =>
        db.Collections.AsNoTracking().FirstAsync(c => c.Containers.Any(k => k.Id == image.ContainerId), ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused image {Hash} by a signed-only collection's rule: {Reason}")]
    private static partial void LogRefusedBySignedOnly(ILogger logger, string hash, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published image {Hash} ({Size} bytes)")]
    private static partial void LogPublished(ILogger logger, string hash, long size);
}
