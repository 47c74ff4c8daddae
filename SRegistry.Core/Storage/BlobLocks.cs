using System.Collections.Concurrent;

namespace SRegistry.Core.Storage;

/// <summary>
/// Serialises publishing and deleting one blob inside this process, so a delete that finds no references
/// cannot remove a blob a concurrent upload is just publishing.
/// </summary>
public sealed class BlobLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string sha256Hex, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(sha256Hex, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
