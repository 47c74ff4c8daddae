namespace SRegistry.Core.Model;

public enum TeamJoinMode { Open, Invite }

public enum TeamRole { Member, Owner }

/// <summary>A group of users; a team name is also a namespace (entity) in library references.</summary>
public sealed class Team
{
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string DisplayName { get; set; } = "";
    public TeamJoinMode JoinMode { get; set; } = TeamJoinMode.Invite;
    public string? AvatarContentType { get; set; }
    public byte[]? Avatar { get; set; }
    public long? QuotaBytes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<TeamMember> Members { get; set; } = [];
}

public sealed class TeamMember
{
    public required string TeamId { get; set; }
    public Team? Team { get; set; }
    public required string UserId { get; set; }
    public User? User { get; set; }
    public TeamRole Role { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
}

public sealed class TeamInvite
{
    public string Id { get; set; } = Ids.New();
    public required string TeamId { get; set; }
    public Team? Team { get; set; }
    public required string CodeHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public int UsesLeft { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public required string CreatedByUserId { get; set; }
}
