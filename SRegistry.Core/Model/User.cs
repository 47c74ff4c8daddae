namespace SRegistry.Core.Model;

/// <summary>A person known to the registry. The username comes from the identity provider and never changes.</summary>
public sealed class User
{
    public string Id { get; set; } = Ids.New();
    public required string Username { get; set; }
    public string DisplayName { get; set; } = "";
    public string Email { get; set; } = "";
    /// <summary>The identity provider's subject; null for users made by the token command or dev sign-in.</summary>
    public string? ExternalSubject { get; set; }
    /// <summary>Groups from the identity provider at the last sign-in, space separated.</summary>
    public string Groups { get; set; } = "";
    public bool IsAdmin { get; set; }
    public bool IsDisabled { get; set; }
    /// <summary>Bytes this user may store; null uses the configured default.</summary>
    public long? QuotaBytes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}
