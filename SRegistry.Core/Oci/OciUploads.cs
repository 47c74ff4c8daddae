using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads;

namespace SRegistry.Core.Oci;

/// <summary>
/// OCI blob uploads: started by POST, fed by PATCH chunks that must follow on exactly, finished by PUT with the
/// digest (docs/protocol/oci.md#push). Bytes land in the data folder, hashed as they arrive; only bytes whose SHA-256
/// equals the digest the client named become a blob, and only then visible.
/// </summary>
public sealed class OciUploads(RegistryDbContext db, DataFolder folder, DatabaseLocks locks, OciUploadHashes hashes, OciChunkMirror mirror,
    RepositoryBlobs blobs, QuotaAccounting quotas, TimeProvider clock, IOptions<RegistryOptions> options)
{
    private RegistryOptions Options => options.Value;

    public async Task<OciUpload> StartAsync(Principal who, OciRepository repository, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var upload = new OciUpload { ContainerId = repository.Container.Id, UserId = who.UserId!, CreatedAt = now, ExpiresAt = now + Options.UploadLifetime };
        db.OciUploads.Add(upload);
        await db.SaveChangesAsync(ct);
        await using (File.Create(PathOf(upload.Id)))
        {
            // An empty file: the first chunk is written at offset zero.
        }
        return upload;
    }

    /// <summary>The caller's unexpired upload into this repository; anyone else's is unknown.</summary>
    public async Task<OciOutcome<OciUpload>> FindAsync(Principal who, OciRepository repository, string? uploadId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var upload = string.IsNullOrEmpty(uploadId) || uploadId.Length > 64 ? null
            : await db.OciUploads.AsNoTracking().FirstOrDefaultAsync(u => u.Id == uploadId && u.ContainerId == repository.Container.Id, ct);
        // With the S3 store another replica may hold the chunks so far; the bucket has them too.
        return upload is null || upload.UserId != who.UserId || upload.ExpiresAt <= now || (!mirror.Enabled && !File.Exists(PathOf(upload.Id)))
            ? new OciRefusal(OciCode.BlobUploadUnknown, "blob upload unknown to registry")
            : upload;
    }

    /// <summary>
    /// A PATCH: the chunk must start where the upload stands (<paramref name="start"/>, when the client says) and be as
    /// long as it says. Answers the upload with its new length, or 416 when the chunk is out of order.
    /// </summary>
    public async Task<OciOutcome<OciUpload>> AppendAsync(OciUpload upload, Stream body, long? start, long? length, CancellationToken ct = default)
    {
        await using (await locks.AcquireAsync("ociupload:" + upload.Id, ct))
        {
            var current = await db.OciUploads.FirstOrDefaultAsync(u => u.Id == upload.Id, ct);
            if (current is null)
            {
                return new OciRefusal(OciCode.BlobUploadUnknown, "blob upload unknown to registry");
            }
            if (start is { } s && s != current.Received)
            {
                return new OciRefusal(OciCode.RangeInvalid, $"the chunk starts at {s}, but the upload holds {current.Received} bytes");
            }
            var written = await ReceiveAsync(current, body, length, keepInBucket: true, ct);
            if (!written.Succeeded)
            {
                return written.Refusal;
            }
            current.Received += written.Value;
            await db.SaveChangesAsync(ct);
            return current;
        }
    }

    /// <summary>
    /// The closing PUT: takes a last chunk if the body has one, then checks the staged bytes against
    /// <paramref name="digest"/> and publishes them as the repository's blob.
    /// </summary>
    public async Task<OciOutcome<RepositoryBlob>> CompleteAsync(Principal who, OciRepository repository, OciUpload upload, string? digest, Stream body,
        long? length, CancellationToken ct = default)
    {
        if (OciNames.HexOf(digest) is not { } expected)
        {
            return new OciRefusal(OciCode.DigestInvalid, "the digest parameter must be sha256:<64 lower-case hex digits>");
        }
        await using (await locks.AcquireAsync("ociupload:" + upload.Id, ct))
        {
            var current = await db.OciUploads.FirstOrDefaultAsync(u => u.Id == upload.Id, ct);
            if (current is null)
            {
                return new OciRefusal(OciCode.BlobUploadUnknown, "blob upload unknown to registry");
            }
            // The closing body stays here: this process completes the upload, so no other replica needs it.
            var written = await ReceiveAsync(current, body, length, keepInBucket: false, ct);
            if (!written.Succeeded)
            {
                return written.Refusal;
            }
            var size = current.Received + written.Value;
            var hex = await HashOfAsync(current.Id, current.Received, size, ct);
            // The session ends here whatever the verdict: a wrong digest means the client starts again.
            db.OciUploads.Remove(current);
            await db.SaveChangesAsync(ct);
            await mirror.DropAsync(current.Id, ct);
            if (hex is null)
            {
                File.Delete(PathOf(current.Id));
                return new OciRefusal(OciCode.BlobUploadInvalid, "the upload's chunks could not be gathered; push the blob again");
            }
            if (hex != expected)
            {
                File.Delete(PathOf(current.Id));
                return new OciRefusal(OciCode.DigestInvalid, $"the uploaded bytes hash to sha256:{hex}, not {digest}");
            }
            // The store flushes before its rename (BlobStore:FlushToDisk), and not at all for bytes it already holds.
            return await blobs.PublishAsync(repository, PathOf(current.Id), hex, size, ct);
        }
    }

    public async Task CancelAsync(OciUpload upload, CancellationToken ct = default)
    {
        await db.OciUploads.Where(u => u.Id == upload.Id).ExecuteDeleteAsync(ct);
        hashes.Forget(upload.Id);
        File.Delete(PathOf(upload.Id));
        await mirror.DropAsync(upload.Id, ct);
    }

    /// <summary>Removes expired uploads and their bytes; answers how many.</summary>
    public async Task<int> ExpireAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var expired = await db.OciUploads.AsNoTracking().Where(u => u.ExpiresAt <= now).Select(u => u.Id).ToListAsync(ct);
        foreach (var id in expired)
        {
            await db.OciUploads.Where(u => u.Id == id).ExecuteDeleteAsync(ct);
            hashes.Forget(id);
            File.Delete(PathOf(id));
            await mirror.DropAsync(id, ct);
        }
        return expired.Count;
    }

    private string PathOf(string uploadId) => Path.Combine(folder.Uploads, $"oci-{uploadId}.upload");

    private async Task<OciOutcome<long>> ReceiveAsync(OciUpload upload, Stream body, long? length, bool keepInBucket, CancellationToken ct)
    {
        var (room, quotaRoom) = await RoomAsync(upload, ct);
        var limit = room - upload.Received;
        if (limit < 0 || length > limit)
        {
            return TooLarge(quotaRoom);
        }
        var hash = hashes.Continue(upload.Id, upload.Received);
        long written;
        try
        {
            using (var file = File.OpenHandle(PathOf(upload.Id), FileMode.OpenOrCreate, FileAccess.Write))
            {
                written = await HashingWriter.CopyAsync(body, file, upload.Received, limit, hash is null ? [] : [hash], ct);
            }
            if (keepInBucket && (length is null || length == written))
            {
                await mirror.KeepAsync(upload.Id, PathOf(upload.Id), upload.Received, written, ct);
            }
        }
        catch (HashingWriter.TooLargeException)
        {
            hash?.Dispose();
            TruncateTo(upload);
            return TooLarge(quotaRoom);
        }
        catch
        {
            // The chunk did not arrive whole: the staged file is cut back to what the session says it holds.
            hash?.Dispose();
            TruncateTo(upload);
            throw;
        }
        if (length is { } declared && declared != written)
        {
            hash?.Dispose();
            TruncateTo(upload);
            return new OciRefusal(OciCode.SizeInvalid, $"the chunk was declared as {declared} bytes but {written} arrived");
        }
        if (hash is not null)
        {
            hashes.Keep(upload.Id, hash, upload.Received + written);
        }
        return written;
    }

    /// <summary>
    /// How many bytes this upload may hold in all: the size limit, or less when the collection's quota leaves less room
    /// (then the second value is that room). Checked per chunk, so an upload cannot fill the disk beyond the quota.
    /// </summary>
    private async Task<(long Room, long? QuotaRoom)> RoomAsync(OciUpload upload, CancellationToken ct)
    {
        var collectionId = await db.Containers.AsNoTracking().Where(c => c.Id == upload.ContainerId).Select(c => c.CollectionId).FirstAsync(ct);
        var usage = await quotas.UsageAsync(await quotas.AccountOfAsync(collectionId, ct), ct);
        var quotaRoom = usage.IsUnlimited ? (long?)null : Math.Max(usage.TotalBytes - usage.UsedBytes, 0);
        return quotaRoom < Options.MaxImageBytes ? (quotaRoom.Value, quotaRoom) : (Options.MaxImageBytes, null);
    }

    private OciRefusal TooLarge(long? quotaRoom) => quotaRoom is { } room
        ? new OciRefusal(OciCode.QuotaExceeded, $"storage quota exceeded: this repository's quota has room for {room} more bytes")
        : new OciRefusal(OciCode.SizeInvalid, $"a blob may be at most {Options.MaxImageBytes} bytes");

    private void TruncateTo(OciUpload upload)
    {
        hashes.Forget(upload.Id);
        using var file = File.OpenHandle(PathOf(upload.Id), FileMode.OpenOrCreate, FileAccess.Write);
        RandomAccess.SetLength(file, upload.Received);
    }

    /// <summary>
    /// The SHA-256 of the staged bytes: the running hash when this process received them all, else read back once
    /// (the PATCHed part gathered from the bucket first when chunks may have gone to other replicas); null when they cannot be gathered.
    /// </summary>
    private async Task<string?> HashOfAsync(string uploadId, long chunked, long size, CancellationToken ct)
    {
        var running = hashes.Continue(uploadId, size);
        if (size > 0 && running is not null)
        {
            using (running)
            {
                return Convert.ToHexStringLower(running.GetHashAndReset());
            }
        }
        running?.Dispose();
        if (mirror.Enabled && chunked > 0 && !await mirror.GatherAsync(uploadId, PathOf(uploadId), chunked, ct))
        {
            return null;
        }
        await using var file = new FileStream(PathOf(uploadId), FileMode.OpenOrCreate, FileAccess.Read);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
    }
}
