namespace SRegistry.Core.Model;

/// <summary>Names an image of one architecture inside a container (the protocol's "arch tags").</summary>
public sealed class Tag
{
    public required string ContainerId { get; set; }
    public Container? Container { get; set; }
    public required string Arch { get; set; }
    public required string Name { get; set; }
    public required string ImageId { get; set; }
    public Image? Image { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Read-only: it cannot be moved to another image nor removed (sregistry's frozen tags keep this when imported).</summary>
    public bool IsFrozen { get; set; }
    public List<TagAnnotation> Annotations { get; set; } = [];
}
