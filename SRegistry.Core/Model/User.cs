namespace SRegistry.Core.Model;

/// <summary>A person known to the registry. The username comes from the identity provider and never changes.</summary>
public sealed class User
{
    public string Id { get; set; } = Ids.New();
    public required string Username { get; set; }
    public string DisplayName { get; set; } = "";
    public string Email { get; set; } = "";
    /// <summary>
    /// Whether the identity provider said, at the last sign-in, that it verified <see cref="Email"/> (<c>email_verified</c>).
    /// False for local users and for providers that do not say: such an e-mail never claims a signing key.
    /// </summary>
    public bool EmailVerified { get; set; }
    /// <summary>
    /// The identity provider's issuer; with <see cref="ExternalSubject"/> the key of an OIDC account. Null for local users
    /// (token command, dev sign-in, import) and for OIDC accounts from before issuers were kept (filled at their next sign-in).
    /// </summary>
    public string? ExternalIssuer { get; set; }
    /// <summary>The identity provider's subject; null for users made by the token command or dev sign-in.</summary>
    public string? ExternalSubject { get; set; }
    /// <summary>Groups from the identity provider at the last sign-in, space separated.</summary>
    public string Groups { get; set; } = "";
    /// <summary>When <see cref="Groups"/> came from the provider; they grant rights only for <c>Registry:GroupClaimsLifetime</c> after.</summary>
    public DateTimeOffset? GroupsCheckedAt { get; set; }
    /// <summary>Admin set here (token command <c>--admin</c>, the admin area, the sregistry import): stays until taken away here.</summary>
    public bool IsAdmin { get; set; }
    /// <summary>
    /// Whether <c>Registry:AdminUsers</c> named this user at the last start. Null on rows from before this was kept: the
    /// first start then moves their admin flag over to the list if the list names them.
    /// </summary>
    public bool? IsListedAdmin { get; set; } = false;
    public bool IsDisabled { get; set; }
    /// <summary>Bytes this user may store; null uses the configured default.</summary>
    public long? QuotaBytes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}
