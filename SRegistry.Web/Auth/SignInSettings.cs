namespace SRegistry.Web.Auth;

/// <summary>The <c>Authentication</c> section: how people sign in to the web UI.</summary>
public sealed class SignInSettings
{
    public const string Section = "Authentication";

    public OidcSettings Oidc { get; set; } = new();

    public DevelopmentSignInSettings DevelopmentSignIn { get; set; } = new();

    /// <summary>The development sign-in is a convenience for <c>dotnet run</c>: on by default only in Development without OIDC.</summary>
    public bool DevelopmentSignInActive(IHostEnvironment environment) =>
        DevelopmentSignIn.Enabled ?? (environment.IsDevelopment() && !Oidc.IsConfigured);
}

public sealed class OidcSettings
{
    public string Authority { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string ClientSecret { get; set; } = "";
    public bool RequireHttpsMetadata { get; set; } = true;
    /// <summary>Scopes to ask for; empty means openid, profile, email and groups. (No initializer: the binder appends to arrays.)</summary>
    public string[] Scopes { get; set; } = [];

    public IEnumerable<string> EffectiveScopes => Scopes.Length > 0 ? Scopes : ["openid", "profile", "email", "groups"];

    /// <summary>Display name of the provider on the sign-in button.</summary>
    public string DisplayName { get; set; } = "your institution's account";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

public sealed class DevelopmentSignInSettings
{
    /// <summary>null: on in Development when no OIDC provider is configured, off otherwise. true switches it on anywhere.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Outside Development, <see cref="Enabled"/> is refused at start-up unless this says the risk is understood.</summary>
    public bool IUnderstandAnyoneCanSignIn { get; set; }
}
