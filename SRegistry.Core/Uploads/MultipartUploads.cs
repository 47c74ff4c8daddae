using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>How a multipart upload is to be cut, as the server decides.</summary>
public sealed record MultipartPlan(string UploadId, int TotalParts, long PartSize);

/// <summary>
/// The multipart upload's steps: the plan, each part's URL, the parts themselves when they come through this app,
/// completion and abort. Where the parts wait is the staging chosen at start-up; these steps ask it, never which it is.
/// </summary>
public sealed class MultipartUploads(
    RegistryDbContext db,
    PushAdmission admission,
    IUploadStaging staging,
    FolderStaging folder,
    PartList partList,
    ImagePublisher publisher,
    UploadGates gates,
    MultipartHashes carriers,
    DatabaseLocks locks,
    TransferCounters counters,
    IOptions<RegistryOptions> options)
{
    /// <summary>
    /// Bytes a multipart completion body may have: it lists every part with its token, and the largest image allowed
    /// has <c>MaxImageBytes / PartSizeBytes</c> parts, so the limit grows with them (one JSON entry is under 100 bytes).
    /// </summary>
    public int CompletionBodyLimit => (int)Math.Min(int.MaxValue - 1, BaseBodyBytes + (MaxParts(options.Value) * BytesPerListedPart));

    private const long BaseBodyBytes = 64 * 1024;
    private const long BytesPerListedPart = 256;

    internal static long MaxParts(RegistryOptions options) => (options.MaxImageBytes + options.PartSizeBytes - 1) / options.PartSizeBytes;

    public async Task<Outcome<MultipartPlan>> StartAsync(Principal who, string? imageId, long fileSize, CancellationToken ct = default)
    {
        if (!options.Value.MultipartUploads)
        {
            // Not found is what makes the library client fall back to a single-part upload.
            return Problem.NotFound("multipart uploads are switched off on this registry; use a single-part upload");
        }
        var target = await admission.TargetAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        var partSize = staging.PartSizeFor(fileSize, options.Value.PartSizeBytes);
        if (!partSize.Succeeded)
        {
            return new Problem(partSize.Failure, partSize.Message);
        }
        var admitted = await admission.OpenSessionAsync(who, image, collection, UploadKind.Multipart, fileSize, partSize.Value, ct);
        if (!admitted.Succeeded)
        {
            return new Problem(admitted.Failure, admitted.Message);
        }
        var session = admitted.Value!;
        if (await staging.OpenAsync(session, ct) is { } problem)
        {
            await admission.DiscardAsync(session, ct);
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return new MultipartPlan(session.Id, session.TotalParts, session.PartSize);
    }

    /// <summary>Checks a request for a part's URL.</summary>
    public async Task<Outcome<UploadSession>> PreparePartAsync(Principal who, string? imageId, string? uploadId, int partNumber, long partSize,
        CancellationToken ct = default)
    {
        var session = await admission.FindMultipartAsync(who, imageId, uploadId, ct);
        if (!session.Succeeded)
        {
            return session;
        }
        var value = session.Value!;
        if (partNumber < 1 || partNumber > value.TotalParts)
        {
            return Problem.Invalid($"part number {partNumber} is outside 1..{value.TotalParts}");
        }
        var expected = PartList.ExpectedPartSize(value, partNumber);
        if (partSize != expected)
        {
            return Problem.Invalid($"part {partNumber} must be {expected} bytes, not {partSize}");
        }
        return value;
    }

    /// <summary>Receives one part at its offset when parts come through this app. Returns the ETag the client echoes back.</summary>
    public async Task<Outcome<string>> ReceivePartAsync(string sessionId, int partNumber, Stream body, string? declaredSha256,
        CancellationToken ct = default)
    {
        var session = await admission.FindOpenAsync(sessionId, UploadKind.Multipart, ct);
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
        var expected = PartList.ExpectedPartSize(session, partNumber);
        using var partHash = string.IsNullOrEmpty(declaredSha256) ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        IncrementalHash?[] wanted = [carriers.ForPart(session.Id, partNumber), partHash];
        Outcome<long> received;
        try
        {
            received = await folder.ReceivePartAsync(session.Id, body, (partNumber - 1) * session.PartSize, expected,
                [.. wanted.OfType<IncrementalHash>()], ct);
        }
        catch
        {
            carriers.Forget(session.Id);
            throw;
        }
        if (!received.Succeeded)
        {
            carriers.Forget(session.Id);
            return received.Failure == Failure.Invalid ? Problem.Invalid($"part {partNumber}: {received.Message}") : new Problem(received.Failure, received.Message);
        }
        counters.Received(received.Value);
        if (received.Value != expected)
        {
            carriers.Forget(session.Id);
            return Problem.Invalid($"part {partNumber} incomplete: received {received.Value} of {expected} bytes");
        }
        var partHex = partHash is null ? "" : Convert.ToHexStringLower(partHash.GetHashAndReset());
        if (partHash is not null && partHex != declaredSha256)
        {
            carriers.Forget(session.Id);
            return Problem.Invalid($"part {partNumber} does not match its declared sha256");
        }
        carriers.PartDone(session.Id, partNumber);
        return await partList.RecordAsync(session, partNumber, received.Value, partHex, ct);
    }

    public async Task<Outcome<UploadReceipt>> CompleteAsync(Principal who, string? imageId, string? uploadId,
        IReadOnlyCollection<(int PartNumber, string Token)> completedParts, CancellationToken ct = default)
    {
        var found = await admission.FindMultipartAsync(who, imageId, uploadId, ct);
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
        // Replicas share nothing but the database: one of them completes a session, whichever the client reached.
        await using var held = await locks.TryAcquireAsync("upload:" + session.Id, ct);
        if (held is null)
        {
            return Problem.Conflict("this upload is being completed already");
        }
        var landed = await staging.LandPartsAsync(session, completedParts, ct);
        if (!landed.Succeeded)
        {
            return new Problem(landed.Failure, landed.Message);
        }
        if (landed.Value is not { } size)
        {
            return Problem.Conflict("the image's bytes have not been received; push again");
        }
        var stored = await publisher.VerifyAndStoreAsync(session, staging, size, null, ct);
        if (!stored.Succeeded)
        {
            await admission.DiscardAsync(session, ct);
            return new Problem(stored.Failure, stored.Message);
        }
        db.UploadSessions.Remove(session);
        var image = session.Image!;
        return await publisher.MarkUploadedAsync(who, image, await publisher.CollectionOfAsync(image, ct), ct);
    }

    public async Task<Outcome<bool>> AbortAsync(Principal who, string? imageId, string? uploadId, CancellationToken ct = default)
    {
        var found = await admission.FindMultipartAsync(who, imageId, uploadId, ct);
        if (!found.Succeeded)
        {
            return new Problem(found.Failure, found.Message);
        }
        await admission.DiscardAsync(found.Value!, ct);
        return true;
    }
}
