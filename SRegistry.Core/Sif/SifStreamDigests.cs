using System.Security.Cryptography;

namespace SRegistry.Core.Sif;

/// <summary>
/// Follows a SIF of known length as it streams past once, in order (an object store's staged upload read back for
/// its hash): from the first bytes it learns the descriptor table, then keeps each small object whole and a SHA-256
/// of every object, so contents and signatures beyond the first bytes are read and checked without a second read.
/// </summary>
public sealed class SifStreamDigests(long length, int headBytes) : IDisposable
{
    /// <summary>Objects up to this size are kept whole (the contents reader reads no more of any object).</summary>
    public const int KeepBytes = SifContentsReader.MaxDefinitionBytes;

    private readonly byte[] head = new byte[(int)Math.Min(headBytes, length)];
    private readonly List<Tracked> tracked = [];
    private long seen;
    private bool started;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        var at = seen;
        seen += chunk.Length;
        if (at < head.Length)
        {
            var take = (int)Math.Min(chunk.Length, head.Length - at);
            chunk[..take].CopyTo(head.AsSpan((int)at));
        }
        if (!started && seen >= head.Length)
        {
            Start();
            Feed(head.AsSpan(0, (int)Math.Min(seen, head.Length)), 0);
            if (at + chunk.Length > head.Length)
            {
                var from = (int)Math.Max(0, head.Length - at);
                Feed(chunk[from..], at + from);
            }
            return;
        }
        if (started)
        {
            Feed(chunk, at);
        }
    }

    /// <summary>A kept object's bytes from <paramref name="offset"/>, when the whole range lies inside one.</summary>
    public ReadOnlyMemory<byte>? Kept(long offset, long size)
    {
        var t = Done(offset, size, whole: false);
        return t?.Bytes is null ? null : t.Bytes.AsMemory((int)(offset - t.Offset), (int)size);
    }

    /// <summary>The SHA-256 of the object at exactly this offset and size, once it has streamed past whole.</summary>
    public byte[]? Sha256Of(long offset, long size) => Done(offset, size, whole: true)?.Digest;

    private Tracked? Done(long offset, long size, bool whole)
    {
        if (seen < length)
        {
            return null;
        }
        return tracked.FirstOrDefault(t => whole
            ? t.Offset == offset && t.Size == size
            : offset >= t.Offset && size >= 0 && offset + size <= t.Offset + t.Size && t.Bytes is not null);
    }

    private void Start()
    {
        started = true;
        var (layout, _) = SifLayout.Read(SifSource.FromHead(head, length));
        foreach (var d in layout?.Descriptors ?? [])
        {
            var t = new Tracked(d.Offset, d.Size, d.Size <= KeepBytes ? new byte[d.Size] : null);
            if (d.Size == 0)
            {
                t.Digest = t.Hash.GetHashAndReset();
            }
            tracked.Add(t);
        }
    }

    private void Feed(ReadOnlySpan<byte> chunk, long at)
    {
        foreach (var t in tracked)
        {
            var from = Math.Max(at, t.Offset);
            var to = Math.Min(at + chunk.Length, t.Offset + t.Size);
            if (from >= to)
            {
                continue;
            }
            var part = chunk.Slice((int)(from - at), (int)(to - from));
            t.Hash.AppendData(part);
            if (t.Bytes is not null)
            {
                part.CopyTo(t.Bytes.AsSpan((int)(from - t.Offset)));
            }
            if (to == t.Offset + t.Size)
            {
                t.Digest = t.Hash.GetHashAndReset();
            }
        }
    }

    public void Dispose()
    {
        foreach (var t in tracked)
        {
            t.Dispose();
        }
    }

    private sealed class Tracked(long offset, long size, byte[]? bytes) : IDisposable
    {
        public long Offset { get; } = offset;
        public long Size { get; } = size;
        public byte[]? Bytes { get; } = bytes;
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public byte[]? Digest { get; set; }

        public void Dispose() => Hash.Dispose();
    }
}
