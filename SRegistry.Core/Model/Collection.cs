namespace SRegistry.Core.Model;

/// <summary>A globally named set of containers owned by one user and shared with assigned teams.</summary>
public sealed class Collection
{
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public bool IsPrivate { get; set; }
    public required string OwnerId { get; set; }
    public User? Owner { get; set; }
    /// <summary>The assigned team whose quota this collection's images count against; null: the owner's.</summary>
    public string? ChargedTeamId { get; set; }
    public Team? ChargedTeam { get; set; }
    /// <summary>Mirror its public tags into the shared publish folder; null follows the site's default.</summary>
    public bool? Publish { get; set; }
    /// <summary>Only images with a verifying signature by a key of the owner or an assigned team's member are accepted.</summary>
    public bool RequireSignedImages { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<CollectionTeam> Teams { get; set; } = [];
    public List<CollectionReader> Readers { get; set; } = [];
    public List<Star> Stars { get; set; } = [];
    public List<Container> Containers { get; set; } = [];
}

public sealed class CollectionTeam
{
    public required string CollectionId { get; set; }
    public Collection? Collection { get; set; }
    public required string TeamId { get; set; }
    public Team? Team { get; set; }
}
