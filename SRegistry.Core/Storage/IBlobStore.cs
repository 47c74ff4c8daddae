namespace SRegistry.Core.Storage;

/// <summary>
/// Content-addressed storage of image bytes. Blobs are named by the bare lower-case SHA-256 hex of their content,
/// so two images with the same bytes share one blob. The local folder is the embedded default; S3 is the other.
/// </summary>
public interface IBlobStore
{
    bool Exists(string sha256Hex);

    /// <summary>Size in bytes, or null when the blob is absent.</summary>
    long? GetSize(string sha256Hex);

    /// <summary>A local path the web host can serve with sendfile; null when the blob is absent.</summary>
    string? GetLocalPath(string sha256Hex);

    /// <summary>Moves a verified file into the store. Atomic: readers see the whole blob or none. The source is consumed.</summary>
    void Publish(string verifiedFilePath, string sha256Hex);

    void Delete(string sha256Hex);

    IEnumerable<string> ListHashes();
}
