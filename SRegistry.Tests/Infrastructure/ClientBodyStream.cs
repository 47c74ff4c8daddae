namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// A request body as a client sends it: no length of its own (the request goes chunked unless the test sets
/// Content-Length), and optionally an I/O error after <paramref name="failAfter"/> bytes, as a killed client leaves it.
/// <paramref name="beforeFailing"/> runs first, e.g. to wait until the server is reading: a connection dropped before
/// the server has taken the request in is one it never sees at all.
/// </summary>
public sealed class ClientBodyStream(Stream inner, long failAfter = long.MaxValue, Func<Task>? beforeFailing = null) : Stream
{
    private long sent;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (sent >= failAfter)
        {
            if (beforeFailing is not null)
            {
                await beforeFailing();
            }
            throw new IOException("client went away");
        }
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAfter - sent)], cancellationToken);
        sent += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => sent; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
