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

/// <summary>A store that clients download from directly (S3): image bytes never pass through the app.</summary>
public interface IDirectDownloads
{
    string PresignDownload(string sha256Hex, TimeSpan lifetime);
}
