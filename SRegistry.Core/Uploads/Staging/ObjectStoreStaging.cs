using Microsoft.Extensions.Logging;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Sif;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>
/// Uploads that clients send straight to the object store through presigned URLs; completion reads the object back
/// once to hash it, because the store's own checks cover only transport and per-part hashes cannot prove the whole
/// file's. Every upload, single-part ones too, is one of the store's multipart uploads, so its URLs die with it.
/// The one-request upload still comes through this app and is staged in <paramref name="folder"/>.
/// </summary>
public sealed partial class ObjectStoreStaging(S3StagingArea area, FolderStaging folder, ILogger<ObjectStoreStaging> log) : IUploadStaging
{
    public Problem? RefuseSingle(long fileSize) => fileSize > S3StagingArea.MaxSinglePutBytes
        ? Problem.Invalid($"a single upload to this registry's object store is limited to {S3StagingArea.MaxSinglePutBytes} bytes; use a multipart upload")
        : null;

    public Outcome<long> PartSizeFor(long fileSize, long configuredPartSize)
    {
        // The store has its own limits on parts: a plan it could not complete is refused before any byte is sent.
        var partSize = Math.Max(configuredPartSize, S3StagingArea.MinPartBytes);
        if (fileSize > 0 && (fileSize + partSize - 1) / partSize > S3StagingArea.MaxParts)
        {
            return Problem.Invalid($"the image is {fileSize} bytes: in parts of {partSize} bytes that is more than the {S3StagingArea.MaxParts} parts "
                                   + "this registry's object store accepts; ask the administrator to raise Registry:PartSizeBytes");
        }
        return partSize;
    }

    public async Task<Problem?> OpenAsync(UploadSession session, CancellationToken ct)
    {
        // A single-part upload is a one-part multipart upload in the store: its URL names the store's upload, so it is dead once that completes.
        session.StoreUploadId = await area.StartMultipartAsync(session.Id, ct);
        return null;
    }

    public string? DirectSingleUrl(UploadSession session, TimeSpan lifetime) =>
        area.PresignSingleUpload(session.Id, session.StoreUploadId, session.ExpectedSize, lifetime);

    public string? DirectPartUrl(UploadSession session, int partNumber, TimeSpan lifetime) =>
        session.StoreUploadId is { } storeUploadId
            ? area.PresignPart(session.Id, storeUploadId, partNumber, PartList.ExpectedPartSize(session, partNumber), lifetime)
            : null;

    /// <summary>
    /// The one part of the session's store upload is completed; a session from before single parts went through the
    /// store's multipart upload has a plain staged object.
    /// </summary>
    public async Task<long?> LandSingleAsync(UploadSession session, CancellationToken ct)
    {
        if (session.StoreUploadId is { } storeUploadId && await area.ListPartsAsync(session.Id, storeUploadId, ct) is { } parts)
        {
            if (parts.Count != 1 || parts[0].PartNumber != 1)
            {
                return null;
            }
            await area.CompleteMultipartAsync(session.Id, storeUploadId, parts, ct);
        }
        return await area.StagedSizeAsync(session.Id, ct);
    }

    public async Task<Outcome<long?>> LandPartsAsync(UploadSession session, IReadOnlyCollection<(int PartNumber, string Token)> completedParts,
        CancellationToken ct)
    {
        var stored = await area.ListPartsAsync(session.Id, session.StoreUploadId!, ct);
        // Null: the store finished this upload already (a replica stopped between finishing it and publishing);
        // what it holds is read back and verified like any other.
        if (stored is not null)
        {
            var byNumber = stored.ToDictionary(p => p.PartNumber);
            if ((PartList.Missing(session, byNumber.Keys) ?? PartList.ListedOnce(session, completedParts)) is { } problem)
            {
                return problem;
            }
            foreach (var number in Enumerable.Range(1, session.TotalParts))
            {
                var expected = PartList.ExpectedPartSize(session, number);
                if (byNumber[number].Size != expected)
                {
                    return Problem.Invalid($"part {number} is {byNumber[number].Size} bytes, not {expected}; upload it again");
                }
            }
            foreach (var (number, token) in completedParts)
            {
                if (!string.IsNullOrEmpty(token) && token.Trim('"') != byNumber[number].ETag.Trim('"'))
                {
                    return PartList.Replaced(number);
                }
            }
            await area.CompleteMultipartAsync(session.Id, session.StoreUploadId!,
                [.. Enumerable.Range(1, session.TotalParts).Select(n => byNumber[n])], ct);
        }
        return await area.StagedSizeAsync(session.Id, ct);
    }

    public async Task<StagedBytes> ReadBackAsync(UploadSession session, long size, string? hashedOnArrival, CancellationToken ct)
    {
        // One read: the hash, the head, and what the contents reader needs of the objects beyond the head.
        var streamed = new SifStreamDigests(size, SifInspector.HeadBytes);
        try
        {
            var content = await area.ReadStagedAsync(session.Id, SifInspector.HeadBytes, chunk => streamed.Append(chunk.Span), ct);
            return new ObjectBytes(area, session.Id, content, streamed);
        }
        catch
        {
            streamed.Dispose();
            throw;
        }
    }

    public async Task ReleaseAsync(UploadSession session, CancellationToken ct)
    {
        await folder.ReleaseAsync(session, ct);
        try
        {
            if (session.StoreUploadId is { } storeUploadId)
            {
                await area.AbortMultipartAsync(session.Id, storeUploadId, ct);
            }
            await area.DeleteStagedAsync(session.Id, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(log, session.Id, e);
        }
    }

    public async Task<int> SweepAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct) =>
        await folder.SweepAsync(liveSessions, cutoff, ct) + await area.SweepStagingAsync(liveSessions, cutoff, ct);

    /// <summary>A staged object as read back; published by a copy conditional on the ETag it was read with.</summary>
    private sealed class ObjectBytes(S3StagingArea area, string sessionId, StagedContent content, SifStreamDigests streamed)
        : StagedBytes(content.Size, content.Sha256Hex)
    {
        public override SifInfo Inspect() => SifInspector.InspectHead(content.Head, content.Size);

        public override (SifContents? Contents, string? Error) ReadContents() =>
            SifContentsReader.Read(SifSource.FromHead(content.Head, content.Size, streamed));

        public override Task PublishAsync(CancellationToken ct) => area.PublishStagedAsync(sessionId, content, ct);

        public override void Dispose()
        {
            streamed.Dispose();
            base.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the stored bytes of upload {Session}; the upload janitor will")]
    private static partial void LogReleaseFailed(ILogger logger, string session, Exception error);
}
