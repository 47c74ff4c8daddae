using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace SRegistry.Core.Sif;

/// <summary>
/// Reads what a SIF holds besides its filesystems: definition file, labels, other metadata, partitions and
/// signatures (with their digests checked against the file). Every object is read only up to a bound, so a hostile
/// file costs at most a few MiB of memory; what is cut is said, never silently dropped.
/// </summary>
public static class SifContentsReader
{
    public const int MaxDefinitionBytes = 256 * 1024;
    public const int MaxLabelsBytes = 256 * 1024;
    public const int MaxLabels = 1000;
    public const int MaxLabelKeyLength = 256;
    public const int MaxLabelValueLength = 4096;
    public const int MaxMetadataObjects = 16;
    public const int MaxMetadataTextBytes = 64 * 1024;
    public const int MaxSignatureBytes = 64 * 1024;
    public const int MaxSignatures = 32;

    public static (SifContents? Contents, string? Error) Read(SifSource source)
    {
        var (layout, error) = SifLayout.Read(source);
        if (layout is null)
        {
            return (null, error);
        }
        var descriptors = layout.Descriptors;
        var definition = descriptors.FirstOrDefault(d => d.DataType == SifNames.DefinitionFile);
        var labels = descriptors.FirstOrDefault(d => d.DataType == SifNames.Labels);
        var (labelList, labelsProblem) = labels is null ? ([], null) : ReadLabels(source, labels);
        var signatures = descriptors.Where(d => d.DataType == SifNames.Signature).ToList();
        if (signatures.Count > MaxSignatures)
        {
            return (null, $"the image holds {signatures.Count} signatures; at most {MaxSignatures} are accepted");
        }
        var signed = signatures.Select(s => ReadSignature(layout, source, s)).ToList();
        var groups = descriptors.Where(d => d.GroupId != 0 && d.DataType != SifNames.Signature).Select(d => d.GroupId).Distinct();
        var unsigned = groups.Where(g => !signatures.Any(s => s.LinksGroup && s.LinkedId == g)).Order().ToList();
        return (new SifContents(
            layout.LaunchScript,
            layout.Id,
            layout.CreatedAt,
            definition is null ? null : ReadText(source, definition, MaxDefinitionBytes),
            definition?.Size ?? 0,
            labelList,
            labelsProblem,
            [.. descriptors.Where(IsOtherMetadata).Take(MaxMetadataObjects).Select(d => ReadMetadata(source, d))],
            [.. descriptors.Where(d => d.DataType == SifNames.Partition).Select(Partition)],
            signed,
            unsigned), null);
    }

    private static bool IsOtherMetadata(SifDescriptor d) =>
        d.DataType is SifNames.Environment or SifNames.GenericJson or SifNames.Sbom or SifNames.Generic or SifNames.CryptoMessage;

    private static SifPartition Partition(SifDescriptor d) =>
        new(d.Id, d.GroupId, d.Name, SifNames.PartitionType(BinaryPrimitives.ReadInt32LittleEndian(d.Extra[4..])),
            SifNames.FileSystem(BinaryPrimitives.ReadInt32LittleEndian(d.Extra)), SifNames.Arch(d.Extra.Slice(8, 3)), d.Size);

    private static SifMetadataObject ReadMetadata(SifSource source, SifDescriptor d)
    {
        var text = d.DataType == SifNames.Generic || d.DataType == SifNames.CryptoMessage ? null : ReadText(source, d, MaxMetadataTextBytes);
        return new SifMetadataObject(d.Id, SifNames.DataType(d.DataType), d.Name, d.Size, text, text is not null && d.Size > MaxMetadataTextBytes);
    }

    private static (List<KeyValuePair<string, string>>, string?) ReadLabels(SifSource source, SifDescriptor d)
    {
        if (d.Size > MaxLabelsBytes)
        {
            return ([], $"the labels object is {d.Size} bytes; labels over {MaxLabelsBytes} bytes are not read");
        }
        var bytes = source.ReadExactly(d.Offset, (int)d.Size);
        if (bytes is null)
        {
            return ([], "the labels object lies beyond what the registry read of this image");
        }
        try
        {
            using var json = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ([], "the labels object is JSON but not an object of names and values");
            }
            var labels = json.RootElement.EnumerateObject()
                .Select(p => KeyValuePair.Create(Cut(p.Name, MaxLabelKeyLength), Cut(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), MaxLabelValueLength)))
                .Take(MaxLabels + 1).ToList();
            return labels.Count > MaxLabels
                ? (labels[..MaxLabels], $"only the first {MaxLabels} labels are kept")
                : (labels, null);
        }
        catch (JsonException e)
        {
            return ([], $"the labels object is not valid JSON ({Cut(e.Message, 200)})");
        }
    }

    private static SifSignature ReadSignature(SifLayout layout, SifSource source, SifDescriptor d)
    {
        var hash = SifNames.HashType(BinaryPrimitives.ReadInt32LittleEndian(d.Extra));
        var fingerprint = Fingerprint(d.Extra.Slice(4, 32));
        SifSignature Problem(string problem) => new(d.Id, d.LinkedId, d.LinksGroup, hash, fingerprint, null, null, true, problem);
        if (d.Size > MaxSignatureBytes)
        {
            return Problem($"signature object {d.Id} is {d.Size} bytes, larger than any real signature");
        }
        var bytes = source.ReadExactly(d.Offset, (int)d.Size);
        if (bytes is null)
        {
            return new SifSignature(d.Id, d.LinkedId, d.LinksGroup, hash, fingerprint, null, null, false, null);
        }
        if (ClearSignedMessage.Parse(Encoding.UTF8.GetString(bytes)) is not { } message)
        {
            return Problem($"signature object {d.Id} holds no OpenPGP clear-signed message");
        }
        if (!SifIntegrity.CanCheck(layout, source, d))
        {
            return new SifSignature(d.Id, d.LinkedId, d.LinksGroup, hash, fingerprint, message.Text, message.ArmoredSignature, false, null);
        }
        return new SifSignature(d.Id, d.LinkedId, d.LinksGroup, hash, fingerprint, message.Text, message.ArmoredSignature, true,
            SifIntegrity.Check(layout, source, d, message.Text));
    }

    /// <summary>The entity field holds the raw fingerprint: 20 bytes for OpenPGP v4 keys, 32 for v5.</summary>
    private static string? Fingerprint(ReadOnlySpan<byte> entity)
    {
        if (!entity[..20].ContainsAnyExcept((byte)0))
        {
            return null;
        }
        return Convert.ToHexString(entity[..(entity[20..].ContainsAnyExcept((byte)0) ? 32 : 20)]);
    }

    private static string? ReadText(SifSource source, SifDescriptor d, int limit)
    {
        var bytes = source.ReadExactly(d.Offset, (int)Math.Min(d.Size, limit));
        return bytes is null ? null : Encoding.UTF8.GetString(bytes).Replace("\0", "", StringComparison.Ordinal);
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
