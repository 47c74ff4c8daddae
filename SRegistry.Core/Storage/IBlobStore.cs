namespace SRegistry.Core.Storage;

/// <summary>
/// Content-addressed storage of image bytes. Blobs are named by the bare lower-case SHA-256 hex of their content,
/// so two images with the same bytes share one blob. The local folder is the embedded default; S3 is the other.
/// </summary>
public interface IBlobStore
{
    Task<bool> ExistsAsync(string sha256Hex, CancellationToken ct = default);

    /// <summary>Size in bytes, or null when the blob is absent.</summary>
    Task<long?> GetSizeAsync(string sha256Hex, CancellationToken ct = default);

    /// <summary>A local path the web host can serve with sendfile; null when the blob is absent or not on this machine.</summary>
    string? GetLocalPath(string sha256Hex);

    /// <summary>Moves a verified file into the store. Atomic: readers see the whole blob or none. The source is consumed.</summary>
    Task PublishAsync(string verifiedFilePath, string sha256Hex, CancellationToken ct = default);

    Task DeleteAsync(string sha256Hex, CancellationToken ct = default);

    IAsyncEnumerable<string> ListHashesAsync(CancellationToken ct = default);
}

/// <summary>One part of a multipart upload as the store holds it.</summary>
public sealed record StoredPart(int PartNumber, long Size, string ETag);

/// <summary>What reading an uploaded object back found: its size, its SHA-256, and its first bytes (for the SIF header).</summary>
public sealed record StagedContent(long Size, string Sha256Hex, byte[] Head);

/// <summary>
/// A store that clients talk to directly (S3): uploads and downloads go through presigned URLs, so image bytes
/// never pass through the app. Uploads land under a staging key per session and become a blob only after the
/// registry has read them back and verified size, hash and format.
/// </summary>
public interface IDirectTransfers
{
    /// <summary>Largest object one PUT may create (S3: 5 GiB); bigger images need a multipart upload.</summary>
    long MaxSinglePutBytes { get; }

    string PresignDownload(string sha256Hex, TimeSpan lifetime);

    string PresignSingleUpload(string sessionId, TimeSpan lifetime);

    /// <summary>Starts the store's multipart upload for a session; returns the store's upload ID.</summary>
    Task<string> StartMultipartAsync(string sessionId, CancellationToken ct = default);

    string PresignPart(string sessionId, string storeUploadId, int partNumber, TimeSpan lifetime);

    /// <summary>The parts received so far; null when the store no longer knows the upload (completed or aborted).</summary>
    Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string sessionId, string storeUploadId, CancellationToken ct = default);

    Task CompleteMultipartAsync(string sessionId, string storeUploadId, IReadOnlyList<StoredPart> parts, CancellationToken ct = default);

    Task AbortMultipartAsync(string sessionId, string storeUploadId, CancellationToken ct = default);

    /// <summary>Size of the session's staged object, or null when nothing was uploaded.</summary>
    Task<long?> StagedSizeAsync(string sessionId, CancellationToken ct = default);

    /// <summary>
    /// Reads the staged object once, hashing it and keeping its first <paramref name="headBytes"/> bytes; every byte
    /// read is also shown, in order, to <paramref name="observe"/> (the SIF contents reader's digests).
    /// </summary>
    Task<StagedContent> ReadStagedAsync(string sessionId, int headBytes, Action<ReadOnlyMemory<byte>>? observe = null, CancellationToken ct = default);

    /// <summary>Turns a verified staged object into the blob (a copy inside the store) and removes the staging object.</summary>
    Task PublishStagedAsync(string sessionId, string sha256Hex, long size, CancellationToken ct = default);

    Task DeleteStagedAsync(string sessionId, CancellationToken ct = default);

    /// <summary>Removes staged objects and multipart uploads older than <paramref name="cutoff"/> whose session is gone.</summary>
    Task<int> SweepStagingAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct = default);
}
