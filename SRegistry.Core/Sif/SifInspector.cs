using System.Buffers.Binary;
using System.Text;

namespace SRegistry.Core.Sif;

/// <summary>What a SIF file says about itself.</summary>
/// <param name="Arch">The primary partition's architecture (or the header's), in Go's naming; null when the file does not say.</param>
/// <param name="Signers">Upper-case hex fingerprints of the keys named by signature descriptors, without duplicates.</param>
public sealed record SifInfo(bool IsValid, string? Error, string? Arch, IReadOnlyList<string> Signers)
{
    public static SifInfo Invalid(string error) => new(false, error, null, []);
}

/// <summary>
/// Reads a SIF file's global header and descriptor table (the on-disk layout of the SIF format, version 01,
/// written by Singularity 3.x and Apptainer): checks that it is structurally sound, and reads the architecture
/// and the signers. It never trusts a length or offset before checking it against the file's real size.
/// </summary>
public static class SifInspector
{
    private const int HeaderSize = 128;
    private const int DescriptorSize = 585;
    private const int MaxDescriptors = 4096;

    private const int DataPartition = 0x4004;
    private const int DataSignature = 0x4005;
    private const int PrimarySystemPartition = 2;

    private static readonly string?[] ArchByCode =
        [null, "386", "amd64", "arm", "arm64", "ppc64", "ppc64le", "mips", "mipsle", "mips64", "mips64le", "s390x", "riscv64"];

    /// <summary>
    /// How much of the start of a file <see cref="InspectHead"/> needs: the header and a full descriptor table,
    /// which SIF writers place right after the header.
    /// </summary>
    public const int HeadBytes = 4 * 1024 * 1024;

    private delegate int ReadAt(Span<byte> buffer, long offset);

    public static SifInfo InspectFile(string path)
    {
        using var file = File.OpenHandle(path);
        return Inspect((buffer, offset) => RandomAccess.Read(file, buffer, offset), RandomAccess.GetLength(file));
    }

    /// <summary>Inspects a file of <paramref name="length"/> bytes from its first bytes only (an object read back from a store).</summary>
    public static SifInfo InspectHead(byte[] head, long length) =>
        Inspect((buffer, offset) =>
        {
            if (offset >= head.Length)
            {
                return 0;
            }
            var take = (int)Math.Min(buffer.Length, head.Length - offset);
            head.AsSpan((int)offset, take).CopyTo(buffer);
            return take;
        }, length);

    private static SifInfo Inspect(ReadAt read, long length)
    {
        var header = new byte[HeaderSize];
        if (length < HeaderSize || read(header, 0) < HeaderSize)
        {
            return SifInfo.Invalid("the file is too short to be a SIF image");
        }
        if (!header.AsSpan(32, 10).SequenceEqual("SIF_MAGIC\0"u8))
        {
            return SifInfo.Invalid("the file does not start with a SIF header (SIF_MAGIC missing)");
        }
        if (!header.AsSpan(42, 3).SequenceEqual("01\0"u8))
        {
            return SifInfo.Invalid($"unsupported SIF format version '{Printable(header.AsSpan(42, 2))}'; rebuild it with Singularity 3.3 or newer, or Apptainer");
        }

        var total = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(88));
        var tableOffset = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(96));
        if (total is < 1 or > MaxDescriptors || tableOffset < HeaderSize || tableOffset > length - (total * DescriptorSize))
        {
            return SifInfo.Invalid("the SIF descriptor table is missing or lies outside the file (truncated or damaged image)");
        }

        var table = new byte[total * DescriptorSize];
        if (read(table, tableOffset) < table.Length)
        {
            return SifInfo.Invalid("the SIF descriptor table is truncated");
        }
        return ReadDescriptors(table, (int)total, length, ArchFromCode(header.AsSpan(45, 3)));
    }

    private static SifInfo ReadDescriptors(byte[] table, int total, long length, string? headerArch)
    {
        string? partitionArch = null;
        var signers = new List<string>();
        for (var i = 0; i < total; i++)
        {
            var d = table.AsSpan(i * DescriptorSize, DescriptorSize);
            if (d[4] == 0)
            {
                continue; // unused slot
            }
            var offset = BinaryPrimitives.ReadInt64LittleEndian(d[17..]);
            var size = BinaryPrimitives.ReadInt64LittleEndian(d[25..]);
            if (offset < 0 || size < 0 || offset > length - size)
            {
                return SifInfo.Invalid($"SIF object {i + 1} lies outside the file (truncated or damaged image)");
            }
            var dataType = BinaryPrimitives.ReadInt32LittleEndian(d);
            var extra = d[201..];
            if (dataType == DataPartition && BinaryPrimitives.ReadInt32LittleEndian(extra[4..]) == PrimarySystemPartition)
            {
                partitionArch ??= ArchFromCode(extra.Slice(8, 3));
            }
            else if (dataType == DataSignature && Fingerprint(extra.Slice(4, 32)) is { } fingerprint && !signers.Contains(fingerprint))
            {
                signers.Add(fingerprint);
            }
        }
        return new SifInfo(true, null, partitionArch ?? headerArch, signers);
    }

    /// <summary>The entity field holds the raw fingerprint: 20 bytes for OpenPGP v4 keys, 32 for v5.</summary>
    private static string? Fingerprint(ReadOnlySpan<byte> entity)
    {
        if (!entity[..20].ContainsAnyExcept((byte)0))
        {
            return null;
        }
        var length = entity[20..].ContainsAnyExcept((byte)0) ? 32 : 20;
        return Convert.ToHexString(entity[..length]);
    }

    /// <summary>Architectures are stored as two ASCII digits and a NUL ("02\0" is amd64).</summary>
    private static string? ArchFromCode(ReadOnlySpan<byte> code)
    {
        if (code.Length < 3 || code[2] != 0 || !char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]))
        {
            return null;
        }
        var index = ((code[0] - '0') * 10) + (code[1] - '0');
        return index < ArchByCode.Length ? ArchByCode[index] : null;
    }

    private static string Printable(ReadOnlySpan<byte> bytes) =>
        string.Concat(Encoding.ASCII.GetString(bytes).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '?'));
}
