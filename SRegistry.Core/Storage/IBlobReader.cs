namespace SRegistry.Core.Storage;

/// <summary>Reads a blob's bytes back, wherever the store keeps them (for copies out of the store, like the publish folder).</summary>
public interface IBlobReader
{
    /// <summary>The blob's bytes from the start, or null when the blob is absent.</summary>
    Task<Stream?> OpenReadAsync(string sha256Hex, CancellationToken ct = default);
}
