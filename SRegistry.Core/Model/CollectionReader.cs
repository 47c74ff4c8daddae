namespace SRegistry.Core.Model;

/// <summary>
/// A user who may see and pull a private collection but not push, tag or delete there (sregistry's contributors).
/// Granted per user by the collection's owner.
/// </summary>
public sealed class CollectionReader
{
    public required string CollectionId { get; set; }
    public Collection? Collection { get; set; }
    public required string UserId { get; set; }
    public User? User { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}
