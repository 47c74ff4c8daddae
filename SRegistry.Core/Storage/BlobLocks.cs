using SRegistry.Core.Data;

namespace SRegistry.Core.Storage;

/// <summary>
/// Serialises publishing and deleting one blob across every replica (a database lock per hash), so a delete
/// that finds no references cannot remove a blob a concurrent upload is just publishing.
/// </summary>
public sealed class BlobLocks(DatabaseLocks locks)
{
    public Task<IAsyncDisposable> AcquireAsync(string sha256Hex, CancellationToken ct) => locks.AcquireAsync("blob:" + sha256Hex, ct);
}
