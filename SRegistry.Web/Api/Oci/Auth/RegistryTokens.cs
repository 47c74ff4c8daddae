using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>A registry token as issued: the secret, its lifetime in seconds and when it was made.</summary>
public sealed record IssuedRegistryToken(string Token, int ExpiresIn, DateTimeOffset IssuedAt);

/// <summary>What a sealed registry token says: its user (null: anonymous), its scopes and whether it has run out.</summary>
public sealed record RegistryTokenClaims(string? UserId, IReadOnlySet<string> Scopes, bool Expired);

/// <summary>
/// Registry tokens (docs/protocol/oci.md#auth): short-lived bearer credentials for the OCI endpoints, naming a user
/// (or nobody) and the <c>"&lt;repository&gt;:&lt;action&gt;"</c> scopes granted, sealed by DataProtection (keys in the
/// data folder, shared by replicas). Stateless: nothing is stored, and they cannot be revoked, hence the short life.
/// </summary>
/// <remarks>
/// The expiry is inside the sealed payload rather than DataProtection's own, so an expired token is told apart from a
/// forged one: a client whose token ran out is asked to log in again and is not counted as guessing.
/// </remarks>
public sealed class RegistryTokens(IDataProtectionProvider provider, TimeProvider clock)
{
    /// <summary>What every registry token starts with, so the bearer check knows it is not an API token.</summary>
    public const string Prefix = "sregoci.";

    /// <summary>The lifetime of tokens from <c>/v2/token</c>; OCI clients ask again when it runs out.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private const string Version = "1";
    private const int MaxTokenLength = 16 * 1024;

    private readonly IDataProtector protector = provider.CreateProtector("SRegistry.OciRegistryToken.v1");

    public static bool LooksLikeRegistryToken(string? token) => token is not null && token.StartsWith(Prefix, StringComparison.Ordinal);

    public IssuedRegistryToken Issue(string? userId, IEnumerable<string> scopes, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        var expires = (now + lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // One field per line: user ids and scopes never hold a newline (names are checked before they are granted).
        var payload = string.Join('\n', new[] { Version, userId ?? "", expires }.Concat(scopes));
        return new IssuedRegistryToken(Prefix + protector.Protect(payload), (int)lifetime.TotalSeconds, now);
    }

    /// <summary>The token's claims, or null when it is not a registry token this server sealed.</summary>
    public RegistryTokenClaims? Read(string? token)
    {
        if (!LooksLikeRegistryToken(token) || token!.Length > MaxTokenLength)
        {
            return null;
        }
        string payload;
        try
        {
            payload = protector.Unprotect(token[Prefix.Length..]);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
        var fields = payload.Split('\n');
        if (fields.Length < 3 || fields[0] != Version || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }
        var scopes = fields.Skip(3).ToHashSet(StringComparer.Ordinal);
        var expired = DateTimeOffset.FromUnixTimeSeconds(expires) <= clock.GetUtcNow();
        return new RegistryTokenClaims(fields[1].Length == 0 ? null : fields[1], scopes, expired);
    }
}
