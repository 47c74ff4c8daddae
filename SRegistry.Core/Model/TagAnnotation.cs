namespace SRegistry.Core.Model;

/// <summary>
/// A key/value pair attached to one tag by people (imported from sregistry's labels), searchable. Not the labels
/// a SIF file carries inside it: those are read from the image and kept apart.
/// </summary>
public sealed class TagAnnotation
{
    public const int MaxKeyLength = 250;
    public const int MaxValueLength = 250;

    public required string ContainerId { get; set; }
    public required string Arch { get; set; }
    public required string TagName { get; set; }
    public Tag? Tag { get; set; }
    public required string Key { get; set; }
    public required string Value { get; set; }
}
