using System.Security.Claims;
using SRegistry.Core.Model;

namespace SRegistry.Web.Auth;

/// <summary>The claims every signed-in principal carries, whatever the way in (token, OIDC, development sign-in).</summary>
public static class RegistryClaims
{
    public const string UserId = "sreg:uid";
    public const string Username = "sreg:username";

    /// <summary>"oidc" or "development": sign-out ends the provider's session only for the former.</summary>
    public const string SignedInWith = "sreg:via";

    public static IEnumerable<Claim> For(User user)
    {
        yield return new Claim(UserId, user.Id);
        yield return new Claim(Username, user.Username);
        yield return new Claim(ClaimTypes.Name, user.Username);
    }

    public static string? UserIdOf(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true ? principal.FindFirst(UserId)?.Value : null;
}
