namespace SRegistry.Core.Model;

/// <summary>Where an image's signatures stand, as last checked against this registry's keyserver.</summary>
public enum SignatureState
{
    Unsigned = 0,
    /// <summary>Every signature verifies against a key held here, and every object group is signed.</summary>
    Verified = 1,
    /// <summary>The signed digests match, but a signing key is not on this registry's keyserver.</summary>
    UnknownKey = 2,
    /// <summary>A signature fails: its digests or its cryptographic check do not match.</summary>
    DoesNotVerify = 3,
    /// <summary>The signed objects could not be read where the image is stored.</summary>
    NotChecked = 4,
}

/// <summary>
/// What is inside an image, read from its SIF at push (definition file, labels, metadata, partitions, signatures),
/// with lists stored as JSON (<see cref="Sif.SifJson"/>) and every text bounded by the reader.
/// </summary>
public sealed class ImageContents
{
    public required string ImageId { get; set; }
    public string LaunchScript { get; set; } = "";
    public string SifId { get; set; } = "";
    public DateTimeOffset? SifCreatedAt { get; set; }
    public string? DefinitionFile { get; set; }
    /// <summary>The definition file's full size; more than the stored text when it was cut.</summary>
    public long DefinitionBytes { get; set; }
    public string LabelsJson { get; set; } = "[]";
    /// <summary>Lower-case "key=value" lines, for search.</summary>
    public string LabelsText { get; set; } = "";
    public string? LabelsProblem { get; set; }
    public string MetadataJson { get; set; } = "[]";
    public string PartitionsJson { get; set; } = "[]";
    public string SignaturesJson { get; set; } = "[]";
    public string UnsignedGroupsJson { get; set; } = "[]";
    public SignatureState SignatureState { get; set; }
    /// <summary>One verdict per signature (<see cref="Contents.SignatureVerdict"/>), as JSON.</summary>
    public string VerdictsJson { get; set; } = "[]";
    public DateTimeOffset ReadAt { get; set; }
    public DateTimeOffset CheckedAt { get; set; }
}
