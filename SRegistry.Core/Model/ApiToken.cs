namespace SRegistry.Core.Model;

/// <summary>A bearer token for the CLI. Only the SHA-256 of the secret is kept.</summary>
public sealed class ApiToken
{
    public string Id { get; set; } = Ids.New();
    public required string UserId { get; set; }
    public User? User { get; set; }
    public required string Name { get; set; }
    public required string SecretHash { get; set; }
    /// <summary>The first characters of the secret, so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
