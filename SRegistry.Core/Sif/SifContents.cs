using System.Text.Json.Serialization;

namespace SRegistry.Core.Sif;

/// <summary>A partition: what a researcher needs to know before pulling (type, filesystem, architecture, size).</summary>
public sealed record SifPartition(uint Id, uint Group, string Name, string Type, string FileSystem, string? Arch, long Size);

/// <summary>Another metadata object (environment, JSON metadata, SBOM…), with its text when it is small text.</summary>
public sealed record SifMetadataObject(uint Id, string Kind, string Name, long Size, string? Text, bool Truncated);

/// <summary>
/// A signature object as read at push: what it covers, who it names, the signed message (kept so the signature can
/// be checked again when keys change) and whether the signed digests match the file (<see cref="IntegrityProblem"/>
/// null: they match; <see cref="Checked"/> false: the covered objects could not be read here).
/// </summary>
public sealed record SifSignature(uint Id, uint Covers, bool CoversGroup, string Hash, string? Fingerprint,
    string? SignedText, string? ArmoredSignature, bool Checked, string? IntegrityProblem);

/// <summary>Everything the registry reads from inside a SIF at push, bounded in size.</summary>
public sealed record SifContents(
    string LaunchScript,
    Guid SifId,
    DateTimeOffset? CreatedAt,
    string? DefinitionFile,
    long DefinitionBytes,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    string? LabelsProblem,
    IReadOnlyList<SifMetadataObject> Metadata,
    IReadOnlyList<SifPartition> Partitions,
    IReadOnlyList<SifSignature> Signatures,
    IReadOnlyList<uint> UnsignedGroups);

/// <summary>The integrity metadata a SIF signature signs (Go sif package, metadata version 1).</summary>
public sealed record SignedImage(int Version, SignedHeader? Header, List<SignedObject>? Objects);

public sealed record SignedHeader(string? Digest);

public sealed record SignedObject(uint RelativeId, string? DescriptorDigest, string? ObjectDigest);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SignedImage))]
[JsonSerializable(typeof(List<SifPartition>))]
[JsonSerializable(typeof(List<SifMetadataObject>))]
[JsonSerializable(typeof(List<SifSignature>))]
[JsonSerializable(typeof(List<KeyValuePair<string, string>>))]
[JsonSerializable(typeof(List<uint>))]
public sealed partial class SifJson : JsonSerializerContext;
