using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace SRegistry.Web.Api.Blobs;

/// <summary>
/// Self-authorising credentials for the URLs the client uses without a token (U3, U7, P2 in docs/protocol/library.md): a payload naming
/// the purpose and the one object it grants, sealed with an expiry by DataProtection (keys in the data folder).
/// </summary>
/// <remarks>Expiry follows the app's clock (<see cref="TimeProvider"/>), like upload sessions and tokens.</remarks>
public sealed class TransferTokens(IDataProtectionProvider provider, TimeProvider clock)
{
    private readonly ITimeLimitedDataProtector protector =
        provider.CreateProtector("SRegistry.BlobTransfer.v1").ToTimeLimitedDataProtector();

    public string Issue(string purpose, string objectId, TimeSpan lifetime) =>
        protector.Protect($"{purpose}|{objectId}", clock.GetUtcNow() + lifetime);

    /// <summary>True when the token was issued for exactly this purpose and object and has not expired.</summary>
    public bool Verify(string? token, string purpose, string objectId)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return false;
        }
        try
        {
            return protector.Unprotect(token, out var expires) == $"{purpose}|{objectId}" && expires > clock.GetUtcNow();
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
