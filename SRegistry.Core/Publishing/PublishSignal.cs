using System.Threading.Channels;

namespace SRegistry.Core.Publishing;

/// <summary>
/// Wakes the publisher when the registry's data may have changed. Pokes coalesce: many writes while a round runs
/// cause one more round, not one each. The publisher's own bookkeeping is written quietly so it does not wake itself.
/// </summary>
public sealed class PublishSignal
{
    private static readonly AsyncLocal<bool> QuietFlag = new();
    private readonly Channel<bool> pokes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public static bool IsQuiet => QuietFlag.Value;

    /// <summary>Writes made until the returned scope ends do not wake the publisher.</summary>
    public static IDisposable Quiet()
    {
        QuietFlag.Value = true;
        return new QuietScope();
    }

    public void Poke()
    {
        if (!IsQuiet)
        {
            pokes.Writer.TryWrite(true);
        }
    }

    /// <summary>True when poked, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            return await pokes.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed class QuietScope : IDisposable
    {
        public void Dispose() => QuietFlag.Value = false;
    }
}
