using System.Buffers.Binary;
using System.Text;

namespace SRegistry.Core.Sif;

/// <summary>Reads bytes of a SIF at an offset; returns how many it read (fewer only at the end of what is available).</summary>
public delegate int SifReadAt(Span<byte> buffer, long offset);

/// <summary>Where a SIF's bytes come from: a whole file, or only its first bytes (an object read back from a store).</summary>
public sealed class SifSource(SifReadAt read, long length, long available, SifStreamDigests? streamed = null)
{
    public long Length { get; } = length;

    /// <summary>How many bytes from the start can be read; objects beyond this cannot be read or hashed, unless streamed past.</summary>
    public long Available { get; } = available;

    public int Read(Span<byte> buffer, long offset) =>
        offset >= Available && streamed?.Kept(offset, buffer.Length) is { } kept ? Copy(kept, buffer) : read(buffer, offset);

    public bool CanRead(long offset, long size) =>
        (offset >= 0 && size >= 0 && offset <= Available - size) || streamed?.Kept(offset, size) is not null;

    /// <summary>The SHA-256 of an object the whole file streamed past (an object store's staged upload), if it did.</summary>
    public byte[]? Sha256Of(long offset, long size) => streamed?.Sha256Of(offset, size);

    private static int Copy(ReadOnlyMemory<byte> kept, Span<byte> buffer)
    {
        var take = Math.Min(kept.Length, buffer.Length);
        kept.Span[..take].CopyTo(buffer);
        return take;
    }

    public static SifSource FromFile(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        return new SifSource((buffer, offset) => RandomAccess.Read(file, buffer, offset), length, length);
    }

    /// <summary>The first bytes of a file; with <paramref name="streamed"/>, also the small objects and digests of the rest.</summary>
    public static SifSource FromHead(byte[] head, long length, SifStreamDigests? streamed = null) =>
        new((buffer, offset) =>
        {
            if (offset >= head.Length)
            {
                return 0;
            }
            var take = (int)Math.Min(buffer.Length, head.Length - offset);
            head.AsSpan((int)offset, take).CopyTo(buffer);
            return take;
        }, length, Math.Min(head.Length, length), streamed);

    /// <summary>Reads exactly <paramref name="size"/> bytes at <paramref name="offset"/>, or null if they are not available.</summary>
    public byte[]? ReadExactly(long offset, int size)
    {
        if (!CanRead(offset, size))
        {
            return null;
        }
        var bytes = new byte[size];
        var done = 0;
        while (done < size)
        {
            var n = Read(bytes.AsSpan(done), offset + done);
            if (n <= 0)
            {
                return null;
            }
            done += n;
        }
        return bytes;
    }
}

/// <summary>One used descriptor of the SIF descriptor table, with the raw 585 bytes kept for integrity digests.</summary>
public sealed record SifDescriptor(int DataType, uint Id, uint RawGroupId, uint RawLinkedId, long Offset, long Size,
    DateTimeOffset? CreatedAt, string Name, byte[] Raw)
{
    public const uint GroupMask = 0xf0000000;

    /// <summary>The object group, or 0 when the object is in none.</summary>
    public uint GroupId => RawGroupId & ~GroupMask;

    /// <summary>True when <see cref="RawLinkedId"/> names a group rather than an object.</summary>
    public bool LinksGroup => (RawLinkedId & GroupMask) == GroupMask;

    public uint LinkedId => RawLinkedId & ~GroupMask;

    public ReadOnlySpan<byte> Extra => Raw.AsSpan(201);
}

/// <summary>The global header and used descriptors of a SIF (format 01, as SingularityCE, Apptainer and siftool write it).</summary>
public sealed record SifLayout(byte[] Header, string LaunchScript, Guid Id, DateTimeOffset? CreatedAt, string? HeaderArch,
    IReadOnlyList<SifDescriptor> Descriptors)
{
    public const int HeaderSize = 128;
    public const int DescriptorSize = 585;
    private const int MaxDescriptors = 4096;

    /// <summary>Reads the layout, checking every offset against the file's real size; null with a reason when it is unsound.</summary>
    public static (SifLayout? Layout, string? Error) Read(SifSource source)
    {
        var header = source.ReadExactly(0, HeaderSize);
        if (header is null || source.Length < HeaderSize)
        {
            return (null, "the file is too short to be a SIF image");
        }
        if (!header.AsSpan(32, 10).SequenceEqual("SIF_MAGIC\0"u8) || !header.AsSpan(42, 3).SequenceEqual("01\0"u8))
        {
            return (null, "the file does not start with a SIF header of format 01");
        }
        var total = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(88));
        var tableOffset = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(96));
        if (total is < 1 or > MaxDescriptors || tableOffset < HeaderSize || tableOffset > source.Length - (total * DescriptorSize))
        {
            return (null, "the SIF descriptor table is missing or lies outside the file (truncated or damaged image)");
        }
        var table = source.ReadExactly(tableOffset, (int)total * DescriptorSize);
        if (table is null)
        {
            return (null, "the SIF descriptor table could not be read");
        }
        var descriptors = new List<SifDescriptor>();
        for (var i = 0; i < total; i++)
        {
            var d = table.AsSpan(i * DescriptorSize, DescriptorSize);
            if (d[4] == 0)
            {
                continue;
            }
            var offset = BinaryPrimitives.ReadInt64LittleEndian(d[17..]);
            var size = BinaryPrimitives.ReadInt64LittleEndian(d[25..]);
            if (offset < 0 || size < 0 || offset > source.Length - size)
            {
                return (null, $"SIF object {i + 1} lies outside the file (truncated or damaged image)");
            }
            descriptors.Add(new SifDescriptor(BinaryPrimitives.ReadInt32LittleEndian(d), BinaryPrimitives.ReadUInt32LittleEndian(d[5..]),
                BinaryPrimitives.ReadUInt32LittleEndian(d[9..]), BinaryPrimitives.ReadUInt32LittleEndian(d[13..]), offset, size,
                UnixTime(BinaryPrimitives.ReadInt64LittleEndian(d[41..])), CString(d.Slice(73, 128)), d.ToArray()));
        }
        return (new SifLayout(header, CString(header.AsSpan(0, 32)), new Guid(header.AsSpan(48, 16), bigEndian: true),
            UnixTime(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(64))), SifNames.Arch(header.AsSpan(45, 3)), descriptors), null);
    }

    /// <summary>The header fields a SIF signature covers: launch script, magic, version and image ID (not the arch or counts).</summary>
    public byte[] HeaderIntegrityBytes() => [.. Header.AsSpan(0, 45), .. Header.AsSpan(48, 16)];

    /// <summary>The lowest object ID in a group: signatures number a group's objects relative to it.</summary>
    public uint MinimumId(uint rawGroupId) =>
        Descriptors.Where(d => d.RawGroupId == rawGroupId).Select(d => d.Id).DefaultIfEmpty(0u).Min();

    /// <summary>The descriptor fields a SIF signature covers, encoded as the Go sif package encodes them.</summary>
    public byte[] DescriptorIntegrityBytes(SifDescriptor d)
    {
        var bytes = new byte[4 + 1 + 4 + 4 + 8 + 8 + 8 + 8 + 128 + 384];
        var raw = d.Raw.AsSpan();
        raw[..5].CopyTo(bytes); // data type, used
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(5), d.Id - MinimumId(d.RawGroupId));
        raw.Slice(13, 4).CopyTo(bytes.AsSpan(9)); // linked ID
        raw.Slice(25, 8).CopyTo(bytes.AsSpan(13)); // size
        raw.Slice(41, 8).CopyTo(bytes.AsSpan(21)); // created at
        raw.Slice(57, 16).CopyTo(bytes.AsSpan(29)); // UID, GID
        raw.Slice(73, 128 + 384).CopyTo(bytes.AsSpan(45)); // name, extra
        return bytes;
    }

    private static DateTimeOffset? UnixTime(long seconds) =>
        seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
        return string.Concat(text.Where(c => !char.IsControl(c) || c == '\n')).Trim();
    }
}
