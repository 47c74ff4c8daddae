using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SRegistry.Core.Accounts;
using SRegistry.Core.Statistics;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Auth;

/// <summary>
/// API tokens from <c>Authorization: Bearer …</c>. The scheme word is matched case-insensitively: the Go library
/// client sends <c>BEARER</c>. A bad token makes the caller anonymous; endpoints that need a user answer 401.
/// Registry tokens from <c>/v2/token</c> (<see cref="RegistryTokens"/>) are not API tokens: one this server sealed,
/// even expired, is left to the OCI endpoints (<see cref="OciCaller"/>) and neither authenticates here nor counts as a
/// guess, so the library endpoints see an anonymous caller holding a token they do not accept.
/// </summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = TokenFrom(Request.Headers.Authorization.ToString());
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }
        if (RegistryTokens.LooksLikeRegistryToken(secret) && Context.RequestServices.GetRequiredService<RegistryTokens>().Read(secret) is not null)
        {
            return AuthenticateResult.NoResult();
        }
        var limiter = Context.RequestServices.GetRequiredService<FailedTokenLimiter>();
        var address = Context.Connection.RemoteIpAddress;
        var braked = limiter.RetryAfter(address);
        // Always checked: a valid token passes whatever its address did before (tokens are 256-bit, guessing is hopeless).
        var tokens = Context.RequestServices.GetRequiredService<TokenService>();
        var user = await tokens.ValidateAsync(secret, Context.RequestAborted);
        if (user is null)
        {
            RegistryMetrics.FailedTokenChecks.Add(1);
            if (braked is { } wait)
            {
                TokenThrottle.MarkBraked(Context, wait);
            }
            else
            {
                limiter.RecordFailure(address);
            }
            return AuthenticateResult.Fail("invalid, expired or revoked token");
        }
        var identity = new ClaimsIdentity(RegistryClaims.For(user), SchemeName, RegistryClaims.Username, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The secret after a case-insensitive <c>bearer</c>, or null when the header is absent or another scheme.</summary>
    public static string? TokenFrom(string header)
    {
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !header.AsSpan(0, space).Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = header[(space + 1)..].Trim();
        return token.Length == 0 ? null : token;
    }
}
