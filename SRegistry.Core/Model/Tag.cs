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
}
