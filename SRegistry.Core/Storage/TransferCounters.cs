using System.Diagnostics.Metrics;

namespace SRegistry.Core.Storage;

/// <summary>
/// Image bytes that passed through this process, by direction. With an object store they stay at zero for clients
/// (bytes go straight to the store) and only the verifying read-back moves bytes. Also published as metrics
/// (meter <c>SRegistry</c>) for dotnet-counters or an OpenTelemetry exporter.
/// </summary>
public sealed class TransferCounters : IDisposable
{
    private readonly Meter meter = new("SRegistry");
    private readonly Counter<long> received;
    private readonly Counter<long> sent;
    private readonly Counter<long> readBack;
    private long receivedTotal;
    private long sentTotal;
    private long readBackTotal;

    public TransferCounters()
    {
        received = meter.CreateCounter<long>("image.bytes_received", "By", "image bytes received from clients");
        sent = meter.CreateCounter<long>("image.bytes_sent", "By", "image bytes sent to clients");
        readBack = meter.CreateCounter<long>("image.bytes_read_back", "By", "image bytes read back from the object store to verify uploads");
    }

    public long ReceivedFromClients => Interlocked.Read(ref receivedTotal);

    public long SentToClients => Interlocked.Read(ref sentTotal);

    public long ReadBackFromStore => Interlocked.Read(ref readBackTotal);

    public void Received(long bytes)
    {
        Interlocked.Add(ref receivedTotal, bytes);
        received.Add(bytes);
    }

    public void Sent(long bytes)
    {
        Interlocked.Add(ref sentTotal, bytes);
        sent.Add(bytes);
    }

    public void ReadBack(long bytes)
    {
        Interlocked.Add(ref readBackTotal, bytes);
        readBack.Add(bytes);
    }

    public void Dispose() => meter.Dispose();
}
