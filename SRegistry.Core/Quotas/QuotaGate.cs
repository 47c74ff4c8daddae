using System.Collections.Concurrent;

namespace SRegistry.Core.Quotas;

/// <summary>
/// One admission at a time per quota account inside this process: checking the quota and recording the
/// reservation happen together, so two concurrent pushes cannot both fit into the same free space.
/// </summary>
public sealed class QuotaGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(QuotaAccount account, CancellationToken ct)
    {
        var gate = gates.GetOrAdd(account.GateKey, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Exit(gate);
    }

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref exited, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
