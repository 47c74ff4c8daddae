namespace SRegistry.Core.Model;

/// <summary>A user's favourite collection; the count is shown only to those who may see the collection.</summary>
public sealed class Star
{
    public required string CollectionId { get; set; }
    public Collection? Collection { get; set; }
    public required string UserId { get; set; }
    public User? User { get; set; }
    public DateTimeOffset StarredAt { get; set; }
}
