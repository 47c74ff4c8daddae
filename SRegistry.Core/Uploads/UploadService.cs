using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Quotas;
using SRegistry.Core.Sif;
using SRegistry.Core.Storage;
using SRegistry.Core.Statistics;

namespace SRegistry.Core.Uploads;

/// <summary>How a multipart upload is to be cut, as the server decides.</summary>
public sealed record MultipartPlan(string UploadId, int TotalParts, long PartSize);

/// <summary>What the client is told after an upload is published.</summary>
public sealed record UploadReceipt(QuotaUsage Quota, string ContainerPath);

/// <summary>
/// Receives image bytes: single-part, multipart and the legacy one-request upload. With the folder store, bytes
/// stream to a file in the data folder while being hashed. With an object store (<see cref="IDirectTransfers"/>)
/// clients send them straight to the store and completion reads the object back once to hash it: the store's own
/// checks cover only transport, and per-part hashes cannot prove the whole file's. Either way nothing becomes
/// visible until size, SHA-256 and SIF format are verified and the bytes are a blob in the store.
/// </summary>
public sealed partial class UploadService(
    RegistryDbContext db,
    Namespaces namespaces,
    QuotaAccounting quotas,
    IBlobStore blobs,
    BlobLocks blobLocks,
    DataFolder folder,
    UploadGates gates,
    MultipartHashes carriers,
    TransferCounters counters,
    DatabaseLocks locks,
    ImageContentsService contents,
    TimeProvider clock,
    IOptions<RegistryOptions> options,
    AuditLog audit,
    ILogger<UploadService> log)
{
    /// <summary>An upload that has received nothing for this long may be taken over by a new attempt at the same image.</summary>
    internal static readonly TimeSpan IdleBeforeReplaced = TimeSpan.FromMinutes(1);

    // An object store that clients reach directly; null for the folder store, where bytes come through the app.
    private readonly IDirectTransfers? direct = blobs as IDirectTransfers;

    private RegistryOptions Options => options.Value;

    /// <summary>
    /// Bytes a multipart completion body may have: it lists every part with its token, and the largest image allowed
    /// has <c>MaxImageBytes / PartSizeBytes</c> parts, so the limit grows with them (one JSON entry is under 100 bytes).
    /// </summary>
    public int CompletionBodyLimit => (int)Math.Min(int.MaxValue - 1, BaseBodyBytes + (MaxParts(Options) * BytesPerListedPart));

    private const long BaseBodyBytes = 64 * 1024;
    private const long BytesPerListedPart = 256;

    internal static long MaxParts(RegistryOptions options) => (options.MaxImageBytes + options.PartSizeBytes - 1) / options.PartSizeBytes;

    // ---- single part (spec U2, U3, U4) ----

    public async Task<Outcome<UploadSession>> StartSingleAsync(Principal who, string? imageId, long fileSize, string? sha256Hex,
        CancellationToken ct = default)
    {
        var target = await LoadPushableImageAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        if (!string.IsNullOrEmpty(sha256Hex) && NameRules.HashPrefix + sha256Hex != image.Hash)
        {
            return Problem.Invalid("sha256sum does not match the image's hash");
        }
        if (direct is not null && fileSize > direct.MaxSinglePutBytes)
        {
            return Problem.Invalid($"a single upload to this registry's object store is limited to {direct.MaxSinglePutBytes} bytes; use a multipart upload");
        }
        var admitted = await OpenAdmittedSessionAsync(who, image, collection, UploadKind.SinglePart, fileSize, fileSize, ct);
        if (admitted.Succeeded && direct is not null)
        {
            // One-part multipart upload in the store: its URL names the store's upload, so it is dead once that completes.
            admitted.Value!.StoreUploadId = await direct.StartMultipartAsync(admitted.Value.Id, ct);
            await db.SaveChangesAsync(ct);
        }
        return admitted;
    }

    /// <summary>Receives the body sent to a single-part upload URL.</summary>
    public async Task<Outcome<long>> ReceiveSingleAsync(string sessionId, Stream body, CancellationToken ct = default)
    {
        var session = await FindOpenSessionAsync(sessionId, UploadKind.SinglePart, ct);
        if (session is null)
        {
            return Problem.NotFound("this upload URL is no longer valid; push again");
        }
        using var gate = gates.TryEnter(session.Id);
        if (gate is null)
        {
            return Problem.Conflict("this upload is already in progress");
        }
        var path = UploadPath(session.Id);
        long received;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            // Reserving the whole size up front turns a full disk into an answer before the body is read.
            using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, session.ExpectedSize))
            {
                received = await HashingWriter.CopyAsync(body, file, 0, session.ExpectedSize, [sha], ct);
            }
        }
        // A failed upload fails the push (the client never re-sends to the same URL), so it leaves nothing behind:
        // neither the file nor the session holding quota for it.
        catch (HashingWriter.TooLargeException e)
        {
            return await FailAsync(session, Problem.Invalid(e.Message));
        }
        catch (IOException e) when (DiskFull(e, session.ExpectedSize))
        {
            return await FailAsync(session, Problem.StorageFull());
        }
        catch
        {
            // A client that goes away mid-upload.
            await FailAsync(session, default);
            throw;
        }
        counters.Received(received);
        if (received != session.ExpectedSize)
        {
            return await FailAsync(session, Problem.Invalid($"upload incomplete: received {received} of {session.ExpectedSize} bytes"));
        }
        var published = await VerifyAndPublishAsync(session.Image!, path, received, Convert.ToHexStringLower(sha.GetHashAndReset()), ct);
        if (!published.Succeeded)
        {
            return await FailAsync(session, new Problem(published.Failure, published.Message));
        }
        session.State = UploadState.Received;
        await SaveWithContentsAsync(session.Image!, ct);
        return received;
    }

    public async Task<Outcome<UploadReceipt>> CompleteSingleAsync(Principal who, string? imageId, CancellationToken ct = default)
    {
        var target = await LoadPushableImageAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        if (direct is not null)
        {
            return await CompleteSingleInStoreAsync(who, image, collection, ct);
        }
        // Two clients pushing the same image may both find one received session: deleting it is what claims it, and
        // the one that loses looks again (its own session, or the image the other one has just completed).
        for (var look = 0; look < 10; look++)
        {
            var sessionId = await db.UploadSessions
                .Where(s => s.ImageId == image.Id && s.Kind == UploadKind.SinglePart && s.State == UploadState.Received && s.UserId == who.UserId)
                .Select(s => s.Id).FirstOrDefaultAsync(ct);
            if (sessionId is null)
            {
                break;
            }
            if (await db.UploadSessions.Where(s => s.Id == sessionId).ExecuteDeleteAsync(ct) == 1)
            {
                return await MarkUploadedAsync(who, image, collection, ct);
            }
        }
        return image.IsUploaded || await db.Images.AnyAsync(i => i.Id == image.Id && i.IsUploaded, ct)
            ? await ReceiptAsync(image, collection, ct)
            : Problem.Conflict("the image's bytes have not been received; push again");
    }

    // ---- multipart (spec U5 to U9) ----

    public async Task<Outcome<MultipartPlan>> StartMultipartAsync(Principal who, string? imageId, long fileSize, CancellationToken ct = default)
    {
        if (!options.Value.MultipartUploads)
        {
            // Not found is what makes the library client fall back to a single-part upload (spec 6.2).
            return Problem.NotFound("multipart uploads are switched off on this registry; use a single-part upload");
        }
        var target = await LoadPushableImageAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        // An object store has its own limits on parts: a plan it could not complete is refused before any byte is sent.
        var partSize = Math.Max(Options.PartSizeBytes, direct?.MinPartBytes ?? 0);
        if (direct is not null && fileSize > 0 && (fileSize + partSize - 1) / partSize > direct.MaxParts)
        {
            return Problem.Invalid($"the image is {fileSize} bytes: in parts of {partSize} bytes that is more than the {direct.MaxParts} parts "
                                   + "this registry's object store accepts; ask the administrator to raise Registry:PartSizeBytes");
        }
        var admitted = await OpenAdmittedSessionAsync(who, image, collection, UploadKind.Multipart, fileSize, partSize, ct);
        if (!admitted.Succeeded)
        {
            return new Problem(admitted.Failure, admitted.Message);
        }
        var session = admitted.Value!;
        if (direct is not null)
        {
            session.StoreUploadId = await direct.StartMultipartAsync(session.Id, ct);
            await db.SaveChangesAsync(ct);
            return new MultipartPlan(session.Id, session.TotalParts, session.PartSize);
        }
        try
        {
            // Created and reserved up front: parts are written at their offsets, and a full disk is refused now, not at part 37.
            using (File.OpenHandle(UploadPath(session.Id), FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, fileSize))
            {
            }
        }
        catch (IOException e) when (DiskFull(e, fileSize))
        {
            await DiscardAsync(session, ct);
            return Problem.StorageFull();
        }
        return new MultipartPlan(session.Id, session.TotalParts, session.PartSize);
    }

    /// <summary>Checks a request for a part's URL (spec U6).</summary>
    public async Task<Outcome<UploadSession>> PreparePartAsync(Principal who, string? imageId, string? uploadId, int partNumber, long partSize,
        CancellationToken ct = default)
    {
        var session = await FindMultipartForCallerAsync(who, imageId, uploadId, ct);
        if (!session.Succeeded)
        {
            return session;
        }
        var value = session.Value!;
        if (partNumber < 1 || partNumber > value.TotalParts)
        {
            return Problem.Invalid($"part number {partNumber} is outside 1..{value.TotalParts}");
        }
        var expected = ExpectedPartSize(value, partNumber);
        if (partSize != expected)
        {
            return Problem.Invalid($"part {partNumber} must be {expected} bytes, not {partSize}");
        }
        return value;
    }

    /// <summary>Receives one part at its offset (spec U7). Returns the ETag the client echoes back.</summary>
    public async Task<Outcome<string>> ReceivePartAsync(string sessionId, int partNumber, Stream body, string? declaredSha256,
        CancellationToken ct = default)
    {
        var session = await FindOpenSessionAsync(sessionId, UploadKind.Multipart, ct);
        if (session is null)
        {
            return Problem.NotFound("this upload URL is no longer valid; push again");
        }
        if (partNumber < 1 || partNumber > session.TotalParts)
        {
            return Problem.Invalid($"part number {partNumber} is outside 1..{session.TotalParts}");
        }
        if (!string.IsNullOrEmpty(declaredSha256) && !NameRules.IsSha256Hex(declaredSha256))
        {
            return Problem.Invalid("x-amz-content-sha256 must be 64 lower-case hex digits");
        }
        using var gate = gates.TryEnter(session.Id);
        if (gate is null)
        {
            return Problem.Conflict("another part of this upload is being received; parts go one at a time");
        }
        var expected = ExpectedPartSize(session, partNumber);
        var whole = carriers.ForPart(session.Id, partNumber);
        using var partHash = string.IsNullOrEmpty(declaredSha256) ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hashes = new List<IncrementalHash>(2);
        if (whole is not null)
        {
            hashes.Add(whole);
        }
        if (partHash is not null)
        {
            hashes.Add(partHash);
        }
        long received;
        try
        {
            using var file = File.OpenHandle(UploadPath(session.Id), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
            received = await HashingWriter.CopyAsync(body, file, (partNumber - 1) * session.PartSize, expected, hashes, ct);
        }
        catch (HashingWriter.TooLargeException e)
        {
            carriers.Forget(session.Id);
            return Problem.Invalid($"part {partNumber}: {e.Message}");
        }
        catch (IOException e) when (DiskFull(e))
        {
            carriers.Forget(session.Id);
            return Problem.StorageFull();
        }
        catch
        {
            carriers.Forget(session.Id);
            throw;
        }
        counters.Received(received);
        if (received != expected)
        {
            carriers.Forget(session.Id);
            return Problem.Invalid($"part {partNumber} incomplete: received {received} of {expected} bytes");
        }
        var partHex = partHash is null ? "" : Convert.ToHexStringLower(partHash.GetHashAndReset());
        if (partHash is not null && partHex != declaredSha256)
        {
            carriers.Forget(session.Id);
            return Problem.Invalid($"part {partNumber} does not match its declared sha256");
        }
        carriers.PartDone(session.Id, partNumber);
        var part = await db.UploadParts.FirstOrDefaultAsync(p => p.SessionId == session.Id && p.PartNumber == partNumber, ct);
        if (part is null)
        {
            part = new UploadPart { SessionId = session.Id, PartNumber = partNumber, Sha256 = partHex };
            db.UploadParts.Add(part);
        }
        part.Size = received;
        part.Sha256 = partHex;
        part.ReceivedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return PartETag(session.Id, partNumber, part.ReceivedAt);
    }

    public async Task<Outcome<UploadReceipt>> CompleteMultipartAsync(Principal who, string? imageId, string? uploadId,
        IReadOnlyCollection<(int PartNumber, string Token)> completedParts, CancellationToken ct = default)
    {
        var found = await FindMultipartForCallerAsync(who, imageId, uploadId, ct);
        if (!found.Succeeded)
        {
            return new Problem(found.Failure, found.Message);
        }
        var session = found.Value!;
        using var gate = gates.TryEnter(session.Id);
        if (gate is null)
        {
            return Problem.Conflict("a part of this upload is still being received");
        }
        if (direct is not null)
        {
            return await CompleteMultipartInStoreAsync(who, session, completedParts, ct);
        }
        var parts = await db.UploadParts.AsNoTracking().Where(p => p.SessionId == session.Id).OrderBy(p => p.PartNumber).ToListAsync(ct);
        var missing = Enumerable.Range(1, session.TotalParts).Except(parts.Select(p => p.PartNumber)).ToList();
        if (missing.Count > 0)
        {
            return Problem.Invalid($"parts missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}");
        }
        var listed = completedParts.Select(p => p.PartNumber).Order().ToList();
        if (!listed.SequenceEqual(Enumerable.Range(1, session.TotalParts)))
        {
            return Problem.Invalid($"completedParts must list each part 1..{session.TotalParts} once");
        }
        foreach (var (number, token) in completedParts)
        {
            var part = parts[number - 1];
            if (!string.IsNullOrEmpty(token) && token != PartETag(session.Id, number, part.ReceivedAt))
            {
                return Problem.Invalid($"part {number} was replaced after its token was issued; upload it again");
            }
        }
        var path = UploadPath(session.Id);
        var sha = carriers.TryFinish(session.Id, session.TotalParts) ?? await HashingWriter.HashFileAsync(path, ct);
        var image = session.Image!;
        var published = await VerifyAndPublishAsync(image, path, new FileInfo(path).Length, sha, ct);
        if (!published.Succeeded)
        {
            await DiscardAsync(session, ct);
            return new Problem(published.Failure, published.Message);
        }
        db.UploadSessions.Remove(session);
        var collection = await db.Collections.AsNoTracking().FirstAsync(c => c.Containers.Any(k => k.Id == image.ContainerId), ct);
        return await MarkUploadedAsync(who, image, collection, ct);
    }

    public async Task<Outcome<bool>> AbortMultipartAsync(Principal who, string? imageId, string? uploadId, CancellationToken ct = default)
    {
        var found = await FindMultipartForCallerAsync(who, imageId, uploadId, ct);
        if (!found.Succeeded)
        {
            return new Problem(found.Failure, found.Message);
        }
        await DiscardAsync(found.Value!, ct);
        return true;
    }

    // ---- legacy single request (spec U1) ----

    public async Task<Outcome<UploadReceipt>> ReceiveLegacyAsync(Principal who, string? imageId, Stream body, long? contentLength,
        CancellationToken ct = default)
    {
        var target = await LoadPushableImageAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        if (contentLength is null)
        {
            return Problem.Invalid("send the image with a Content-Length header: its size is checked against the quota before the upload is accepted");
        }
        // The session only holds the quota reservation while the bytes arrive in this request; its ID is never handed out.
        var admitted = await OpenAdmittedSessionAsync(who, image, collection, UploadKind.SinglePart, contentLength.Value, contentLength.Value, ct);
        if (!admitted.Succeeded)
        {
            return new Problem(admitted.Failure, admitted.Message);
        }
        var session = admitted.Value!;
        var path = UploadPath(session.Id);
        long received;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
            received = await HashingWriter.CopyAsync(body, file, 0, contentLength.Value, [sha], ct);
        }
        catch (HashingWriter.TooLargeException e)
        {
            return await FailAsync(session, Problem.Invalid(e.Message));
        }
        catch (IOException e) when (DiskFull(e))
        {
            return await FailAsync(session, Problem.StorageFull());
        }
        catch
        {
            await FailAsync(session, default);
            throw;
        }
        counters.Received(received);
        if (received != contentLength)
        {
            return await FailAsync(session, Problem.Invalid($"upload incomplete: received {received} of {contentLength} bytes"));
        }
        var published = await VerifyAndPublishAsync(image, path, received, Convert.ToHexStringLower(sha.GetHashAndReset()), ct);
        if (!published.Succeeded)
        {
            return await FailAsync(session, new Problem(published.Failure, published.Message));
        }
        db.UploadSessions.Remove(session);
        return await MarkUploadedAsync(who, image, collection, ct);
    }

    // ---- housekeeping ----

    /// <summary>
    /// Deletes expired sessions with their files, upload files no session owns (left by a crash), and image records
    /// whose upload never finished and stopped being worked on an upload lifetime ago. Their blobs, if any landed,
    /// are then unreferenced, which is what the admin garbage collection frees.
    /// </summary>
    public async Task<int> ExpireAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        // A session still receiving bytes (a very large, slow upload) is left alone: its file is being written.
        var expired = (await db.UploadSessions.Where(s => s.ExpiresAt < now).ToListAsync(ct)).Where(s => !gates.IsBusy(s.Id)).ToList();
        foreach (var session in expired)
        {
            await ReleaseBytesAsync(session, ct);
        }
        db.UploadSessions.RemoveRange(expired);
        await db.SaveChangesAsync(ct);

        var stale = now - Options.UploadLifetime;
        var abandoned = await db.Images
            .Where(i => !i.IsUploaded && i.UpdatedAt < stale && !db.UploadSessions.Any(s => s.ImageId == i.Id))
            .ExecuteDeleteAsync(ct);

        // Sessions expired above count once: their bytes are gone already, even if the store still lists an aborted upload.
        var notOrphans = (await db.UploadSessions.AsNoTracking().Select(s => s.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        notOrphans.UnionWith(expired.Select(s => s.Id));
        var cutoff = now.UtcDateTime - Options.UploadLifetime;
        var orphans = 0;
        foreach (var file in Directory.EnumerateFiles(folder.Uploads, "*.upload"))
        {
            if (!notOrphans.Contains(Path.GetFileNameWithoutExtension(file)) && File.GetLastWriteTimeUtc(file) < cutoff)
            {
                TryDelete(file);
                orphans++;
            }
        }
        if (direct is not null)
        {
            orphans += await direct.SweepStagingAsync(notOrphans, now - Options.UploadLifetime, ct);
        }
        if (expired.Count + orphans + abandoned > 0)
        {
            LogExpired(log, expired.Count, orphans, abandoned);
        }
        return expired.Count + orphans + abandoned;
    }

    // ---- shared steps ----

    private async Task<Outcome<(Image Image, Collection Collection)>> LoadPushableImageAsync(Principal who, string? imageId, CancellationToken ct)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var image = string.IsNullOrEmpty(imageId) ? null : await db.Images.FirstOrDefaultAsync(i => i.Id == imageId, ct);
        var container = image is null
            ? null
            : await db.Containers.AsNoTracking().Include(c => c.Collection).ThenInclude(c => c!.Owner).FirstAsync(c => c.Id == image.ContainerId, ct);
        if (image is null || container is null)
        {
            return Problem.NotFound("image not found");
        }
        var facts = await namespaces.FactsAsync(container.Collection!, ct);
        if (!AccessPolicy.Can(who, CollectionAction.View, facts))
        {
            return Problem.NotFound("image not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Push, facts))
        {
            return Problem.Forbidden($"you may not push to collection '{container.Collection!.Name}'");
        }
        if (!AccessPolicy.CanChangeContainer(who, CollectionAction.Push, facts, container.IsReadOnly))
        {
            return Problem.Forbidden($"container '{container.Collection!.Name}/{container.Name}' is frozen; its owner can unfreeze it");
        }
        return (image, container.Collection!);
    }

    /// <summary>
    /// Opens an upload session once the declared size passes the limits and the quota. The session is the quota
    /// reservation: it is checked and recorded under the account's gate, before the first byte is accepted.
    /// </summary>
    private async Task<Outcome<UploadSession>> OpenAdmittedSessionAsync(Principal who, Image image, Collection collection, UploadKind kind,
        long fileSize, long partSize, CancellationToken ct)
    {
        if (fileSize <= 0)
        {
            return Problem.Invalid("filesize must be a positive number of bytes");
        }
        if (fileSize > Options.MaxImageBytes)
        {
            return Problem.Invalid($"the image is {fileSize} bytes; this registry accepts at most {Options.MaxImageBytes}");
        }
        return await quotas.AdmitAsync(collection.Id, fileSize, image.Id, () => OpenSessionAsync(who, image, kind, fileSize, partSize, ct), ct);
    }

    private async Task<UploadSession> OpenSessionAsync(Principal who, Image image, UploadKind kind, long fileSize, long partSize,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // A new attempt replaces abandoned ones for the same image (the client re-pushes into the same image ID), but
        // not one that is still going: another client may be pushing the same file at this moment, between two parts.
        var quietSince = now - IdleBeforeReplaced;
        var abandoned = (await db.UploadSessions.AsNoTracking()
                .Where(s => s.ImageId == image.Id && s.CreatedAt < quietSince && !s.Parts.Any(p => p.ReceivedAt >= quietSince))
                .ToListAsync(ct))
            .Where(s => !gates.IsBusy(s.Id)).ToList();
        foreach (var old in abandoned)
        {
            await ReleaseBytesAsync(old, ct);
        }
        if (abandoned.Count > 0)
        {
            // Set-based: two retries replacing the same abandoned session must not trip over each other.
            var ids = abandoned.Select(s => s.Id).ToList();
            await db.UploadSessions.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(ct);
        }
        var session = new UploadSession
        {
            ImageId = image.Id,
            Image = image,
            UserId = who.UserId!,
            Kind = kind,
            State = UploadState.Open,
            ExpectedSize = fileSize,
            ExpectedSha256 = ImageCatalog.HexOf(image.Hash),
            PartSize = partSize,
            TotalParts = (int)((fileSize + partSize - 1) / partSize),
            CreatedAt = now,
            ExpiresAt = now + Options.UploadLifetime,
        };
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return session;
    }

    private async Task<UploadSession?> FindOpenSessionAsync(string sessionId, UploadKind kind, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await db.UploadSessions.Include(s => s.Image)
            .FirstOrDefaultAsync(s => s.Id == sessionId && s.Kind == kind && s.State == UploadState.Open && s.ExpiresAt > now, ct);
    }

    private async Task<Outcome<UploadSession>> FindMultipartForCallerAsync(Principal who, string? imageId, string? uploadId, CancellationToken ct)
    {
        var target = await LoadPushableImageAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var now = clock.GetUtcNow();
        var session = string.IsNullOrEmpty(uploadId)
            ? null
            : await db.UploadSessions.Include(s => s.Image).FirstOrDefaultAsync(s => s.Id == uploadId && s.ImageId == imageId
                && s.Kind == UploadKind.Multipart && s.State == UploadState.Open && s.ExpiresAt > now, ct);
        if (session is null || (session.UserId != who.UserId && !who.IsAdmin))
        {
            return Problem.NotFound("multipart upload not found or expired; push again");
        }
        return session;
    }

    /// <summary>Checks size, hash and SIF format of a received file, then moves it into the blob store.</summary>
    private async Task<Outcome<bool>> VerifyAndPublishAsync(Image image, string path, long size, string sha256Hex, CancellationToken ct)
    {
        if (NameRules.HashPrefix + sha256Hex != image.Hash)
        {
            TryDelete(path);
            return Problem.Invalid($"the uploaded file hashes to sha256.{sha256Hex}, not {image.Hash}");
        }
        var sif = SifInspector.InspectFile(path);
        if (!sif.IsValid)
        {
            TryDelete(path);
            return NotSif(sif);
        }
        SifContents? inside;
        string? unreadable;
        using (var file = File.OpenHandle(path))
        {
            (inside, unreadable) = SifContentsReader.Read(SifSource.FromFile(file));
        }
        if (inside is null)
        {
            TryDelete(path);
            return Problem.Invalid($"the image's contents cannot be read: {unreadable}");
        }
        await contents.RecordAsync(image, inside, ct);
        await using (await blobLocks.AcquireAsync(sha256Hex, ct))
        {
            await blobs.PublishAsync(path, sha256Hex, ct);
        }
        ApplyFacts(image, size, sif);
        return true;
    }

    // ---- bytes in an object store (IDirectTransfers) ----

    private async Task<Outcome<UploadReceipt>> CompleteSingleInStoreAsync(Principal who, Image image, Collection collection, CancellationToken ct)
    {
        // The app cannot see a PUT to the store fail, so a cut-off attempt's session lingers (without bytes: a PUT to
        // the store lands whole or not at all) until it is replaced or expires. So the newest session whose bytes have
        // landed is completed; two clients pushing the same image at once each complete whichever such session is
        // free, and verification makes either one's bytes the same image.
        for (var look = 0; look < 2; look++)
        {
            var sessions = await db.UploadSessions.AsNoTracking()
                .Where(s => s.ImageId == image.Id && s.Kind == UploadKind.SinglePart && s.UserId == who.UserId)
                .OrderByDescending(s => s.CreatedAt)
                .ToListAsync(ct);
            string? busy = null;
            foreach (var session in sessions)
            {
                await using var held = await locks.TryAcquireAsync("upload:" + session.Id, ct);
                if (held is null)
                {
                    busy ??= session.Id;
                    continue;
                }
                // Completed by the other client a moment ago (it removed the session under this lock), or nothing landed.
                var current = await db.UploadSessions.FirstOrDefaultAsync(s => s.Id == session.Id, ct);
                if (current is null || await LandSingleAsync(current, ct) is not { } stagedSize)
                {
                    continue;
                }
                var published = await VerifyAndPublishStagedAsync(current, image, stagedSize, ct);
                if (!published.Succeeded)
                {
                    return new Problem(published.Failure, published.Message);
                }
                db.UploadSessions.Remove(current);
                return await MarkUploadedAsync(who, image, collection, ct);
            }
            if (busy is null)
            {
                break;
            }
            // Every session is being completed by another request: wait for it to finish, then look again.
            await (await locks.AcquireAsync("upload:" + busy, ct)).DisposeAsync();
        }
        return await db.Images.AnyAsync(i => i.Id == image.Id && i.IsUploaded, ct)
            ? await ReceiptAsync(image, collection, ct)
            : Problem.Conflict("the image's bytes have not been received; push again");
    }

    /// <summary>
    /// Makes a single-part upload's bytes the staged object and answers its size (null: nothing landed). The one part
    /// of its store upload is completed; a session from before single parts went through the store's multipart
    /// upload has a plain staged object.
    /// </summary>
    private async Task<long?> LandSingleAsync(UploadSession session, CancellationToken ct)
    {
        if (session.StoreUploadId is { } storeUploadId && await direct!.ListPartsAsync(session.Id, storeUploadId, ct) is { } parts)
        {
            if (parts.Count != 1 || parts[0].PartNumber != 1)
            {
                return null;
            }
            await direct.CompleteMultipartAsync(session.Id, storeUploadId, parts, ct);
        }
        return await direct!.StagedSizeAsync(session.Id, ct);
    }

    private async Task<Outcome<UploadReceipt>> CompleteMultipartInStoreAsync(Principal who, UploadSession session,
        IReadOnlyCollection<(int PartNumber, string Token)> completedParts, CancellationToken ct)
    {
        // Replicas share nothing but the database: one of them completes a session, whichever the client reached.
        await using var held = await locks.TryAcquireAsync("upload:" + session.Id, ct);
        if (held is null)
        {
            return Problem.Conflict("this upload is being completed already");
        }
        var stored = await direct!.ListPartsAsync(session.Id, session.StoreUploadId!, ct);
        // Null: the store finished this upload already (a replica stopped between finishing it and publishing);
        // what it holds is read back and verified below like any other.
        if (stored is not null)
        {
            var byNumber = stored.ToDictionary(p => p.PartNumber);
            var missing = Enumerable.Range(1, session.TotalParts).Where(n => !byNumber.ContainsKey(n)).ToList();
            if (missing.Count > 0)
            {
                return Problem.Invalid($"parts missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}");
            }
            var listed = completedParts.Select(p => p.PartNumber).Order().ToList();
            if (!listed.SequenceEqual(Enumerable.Range(1, session.TotalParts)))
            {
                return Problem.Invalid($"completedParts must list each part 1..{session.TotalParts} once");
            }
            foreach (var number in Enumerable.Range(1, session.TotalParts))
            {
                var expected = ExpectedPartSize(session, number);
                if (byNumber[number].Size != expected)
                {
                    return Problem.Invalid($"part {number} is {byNumber[number].Size} bytes, not {expected}; upload it again");
                }
            }
            foreach (var (number, token) in completedParts)
            {
                if (!string.IsNullOrEmpty(token) && token.Trim('"') != byNumber[number].ETag.Trim('"'))
                {
                    return Problem.Invalid($"part {number} was replaced after its token was issued; upload it again");
                }
            }
            await direct.CompleteMultipartAsync(session.Id, session.StoreUploadId!,
                [.. Enumerable.Range(1, session.TotalParts).Select(n => byNumber[n])], ct);
        }
        var image = session.Image!;
        var published = await VerifyAndPublishStagedAsync(session, image, await direct.StagedSizeAsync(session.Id, ct), ct);
        if (!published.Succeeded)
        {
            return new Problem(published.Failure, published.Message);
        }
        db.UploadSessions.Remove(session);
        var collection = await db.Collections.AsNoTracking().FirstAsync(c => c.Containers.Any(k => k.Id == image.ContainerId), ct);
        return await MarkUploadedAsync(who, image, collection, ct);
    }

    /// <summary>
    /// Reads the staged object back once (size, SHA-256, SIF header) and only then makes it the blob. A failed check
    /// discards the session and its bytes: the image stays not uploaded and the next push starts afresh. The caller
    /// has asked the store for the staged size (null: nothing landed) already.
    /// </summary>
    private async Task<Outcome<bool>> VerifyAndPublishStagedAsync(UploadSession session, Image image, long? size, CancellationToken ct)
    {
        if (size is null)
        {
            return Problem.Conflict("the image's bytes have not been received; push again");
        }
        if (size != session.ExpectedSize)
        {
            await DiscardAsync(session, ct);
            return Problem.Invalid($"upload incomplete: received {size} of {session.ExpectedSize} bytes");
        }
        // One read: the hash, the head, and what the contents reader needs of the objects beyond the head.
        using var streamed = new SifStreamDigests(size.Value, SifInspector.HeadBytes);
        var content = await direct!.ReadStagedAsync(session.Id, SifInspector.HeadBytes, chunk => streamed.Append(chunk.Span), ct);
        if (NameRules.HashPrefix + content.Sha256Hex != image.Hash)
        {
            await DiscardAsync(session, ct);
            return Problem.Invalid($"the uploaded file hashes to sha256.{content.Sha256Hex}, not {image.Hash}");
        }
        var sif = SifInspector.InspectHead(content.Head, content.Size);
        if (!sif.IsValid)
        {
            await DiscardAsync(session, ct);
            return NotSif(sif);
        }
        var (inside, unreadable) = SifContentsReader.Read(SifSource.FromHead(content.Head, content.Size, streamed));
        if (inside is null)
        {
            await DiscardAsync(session, ct);
            return Problem.Invalid($"the image's contents cannot be read: {unreadable}");
        }
        await contents.RecordAsync(image, inside, ct);
        try
        {
            await using (await blobLocks.AcquireAsync(content.Sha256Hex, ct))
            {
                await direct.PublishStagedAsync(session.Id, content, ct);
            }
        }
        catch (StagedObjectChangedException e)
        {
            await DiscardAsync(session, ct);
            return Problem.Invalid($"{e.Message}; push again");
        }
        ApplyFacts(image, content.Size, sif);
        return true;
    }

    private void ApplyFacts(Image image, long size, SifInfo sif)
    {
        image.Size = size;
        image.Arch ??= sif.Arch;
        image.IsSigned = sif.Signers.Count > 0;
        image.SignerFingerprints = string.Join(' ', sif.Signers);
        image.UpdatedAt = clock.GetUtcNow();
    }

    private static Problem NotSif(SifInfo sif) => Problem.Invalid($"only SIF images (Singularity 3.3 or newer) are accepted: {sif.Error}");

    /// <summary>Drops whatever bytes a session holds, wherever they are. Best effort: the janitor's sweep catches what fails here.</summary>
    private async Task ReleaseBytesAsync(UploadSession session, CancellationToken ct)
    {
        carriers.Forget(session.Id);
        TryDelete(UploadPath(session.Id));
        if (direct is null)
        {
            return;
        }
        try
        {
            if (session.StoreUploadId is { } storeUploadId)
            {
                await direct.AbortMultipartAsync(session.Id, storeUploadId, ct);
            }
            await direct.DeleteStagedAsync(session.Id, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(log, session.Id, e);
        }
    }

    private async Task<Outcome<UploadReceipt>> MarkUploadedAsync(Principal who, Image image, Collection collection, CancellationToken ct)
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
    private async Task SaveWithContentsAsync(Image image, CancellationToken ct)
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

    /// <summary>The usage and quota of the account the push was charged to (spec U4/U8 <c>quota</c>), and the container's web path.</summary>
    private async Task<Outcome<UploadReceipt>> ReceiptAsync(Image image, Collection collection, CancellationToken ct)
    {
        var container = await db.Containers.AsNoTracking().FirstAsync(c => c.Id == image.ContainerId, ct);
        var usage = await quotas.UsageAsync(await quotas.AccountOfAsync(collection.Id, ct), ct);
        return new UploadReceipt(usage, $"collections/{collection.Name}/{container.Name}");
    }

    /// <summary>Ends a failed upload: its file and its session (with the quota it reserved) go.</summary>
    private async Task<Problem> FailAsync(UploadSession session, Problem problem)
    {
        try
        {
            await DiscardAsync(session, CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            // The session was replaced or removed meanwhile; expiry removes whatever is left.
            TryDelete(UploadPath(session.Id));
        }
        return problem;
    }

    private async Task DiscardAsync(UploadSession session, CancellationToken ct)
    {
        await ReleaseBytesAsync(session, ct);
        db.UploadSessions.Remove(session);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The exact size of a part: the part size, except for the last part.</summary>
    public static long ExpectedPartSize(UploadSession session, int partNumber) =>
        Math.Min(session.PartSize, session.ExpectedSize - ((partNumber - 1) * session.PartSize));

    /// <summary>Changes whenever the part is received again, so a completion listing a stale token is caught.</summary>
    private static string PartETag(string sessionId, int partNumber, DateTimeOffset receivedAt) =>
        $"\"{sessionId[..8]}-{partNumber}-{receivedAt.ToUnixTimeMilliseconds():x}\"";

    private string UploadPath(string sessionId) => Path.Combine(folder.Uploads, sessionId + ".upload");

    /// <summary>
    /// ENOSPC (28) or EDQUOT (122): the disk, not the request, is the problem. A failed preallocation carries
    /// no errno, so for those the file system is asked whether the reserved size would have fitted.
    /// </summary>
    private bool DiskFull(IOException e, long reserved = 0) =>
        StorageFaults.Classify(e) == StorageFault.Full || (reserved > 0 && FreeBytes() < reserved);

    private long FreeBytes()
    {
        try
        {
            return new DriveInfo(folder.Uploads).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return long.MaxValue;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Housekeeping removes it later.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused image {Hash} by a signed-only collection's rule: {Reason}")]
    private static partial void LogRefusedBySignedOnly(ILogger logger, string hash, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published image {Hash} ({Size} bytes)")]
    private static partial void LogPublished(ILogger logger, string hash, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the stored bytes of upload {Session}; the upload janitor will")]
    private static partial void LogReleaseFailed(ILogger logger, string session, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Sessions} upload sessions, {Orphans} orphaned upload files and {Abandoned} never-uploaded image records")]
    private static partial void LogExpired(ILogger logger, int sessions, int orphans, int abandoned);
}
