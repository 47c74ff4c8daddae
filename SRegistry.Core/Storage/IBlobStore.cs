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

/// <summary>
/// What reading an uploaded object back found: its size, its SHA-256, its first bytes (for the SIF header), and the
/// store's ETag of the object read, so publishing copies exactly that object and nothing written to the key since.
/// </summary>
public sealed record StagedContent(long Size, string Sha256Hex, byte[] Head, string ETag);

/// <summary>The staged object changed after it was read back and verified: it is not published.</summary>
public sealed class StagedObjectChangedException(string message) : Exception(message);

/// <summary>
/// A store that clients talk to directly (S3): uploads and downloads go through presigned URLs, so image bytes
/// never pass through the app. Uploads land under a staging key per session and become a blob only after the
/// registry has read them back and verified size, hash and format.
/// </summary>
public interface IDirectTransfers
{
    /// <summary>Largest object one PUT may create (S3: 5 GiB); bigger images need a multipart upload.</summary>
    long MaxSinglePutBytes { get; }

    /// <summary>Most parts one multipart upload may have (S3: 10,000).</summary>
    int MaxParts { get; }

    /// <summary>Smallest size of every part but the last (S3: 5 MiB).</summary>
    long MinPartBytes { get; }

    string PresignDownload(string sha256Hex, TimeSpan lifetime);

    /// <summary>
    /// The URL a single-part upload sends the whole file to, for exactly <paramref name="size"/> bytes. With a store
    /// upload ID it is part 1 of that multipart upload, so it stops working once the upload is completed or aborted.
    /// </summary>
    string PresignSingleUpload(string sessionId, string? storeUploadId, long size, TimeSpan lifetime);

    /// <summary>Starts the store's multipart upload for a session; returns the store's upload ID.</summary>
    Task<string> StartMultipartAsync(string sessionId, CancellationToken ct = default);

    /// <summary>A part's upload URL, signed for exactly <paramref name="partSize"/> bytes.</summary>
    string PresignPart(string sessionId, string storeUploadId, int partNumber, long partSize, TimeSpan lifetime);

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

    /// <summary>
    /// Turns the verified staged object into the blob (a copy inside the store, on condition that the object still has
    /// the ETag it was verified with) and removes the staging object. Throws <see cref="StagedObjectChangedException"/>
    /// when it does not.
    /// </summary>
    Task PublishStagedAsync(string sessionId, StagedContent verified, CancellationToken ct = default);

    Task DeleteStagedAsync(string sessionId, CancellationToken ct = default);

    /// <summary>Removes staged objects and multipart uploads older than <paramref name="cutoff"/> whose session is gone.</summary>
    Task<int> SweepStagingAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct = default);
}
