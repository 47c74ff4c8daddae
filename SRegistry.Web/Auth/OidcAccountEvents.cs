using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using SRegistry.Core.Accounts;
using SRegistry.Core.Naming;
using SRegistry.Web.Hosting;

namespace SRegistry.Web.Auth;

/// <summary>
/// Turns the identity the provider vouches for into a registry user (<see cref="ExternalAccounts"/>): the first sign-in
/// creates it, later ones refresh name, email and groups. A username another account holds ends on the failure page.
/// The cookie then carries only registry claims.
/// </summary>
public sealed partial class OidcAccountEvents(ExternalAccounts accounts, ILogger<OidcAccountEvents> log) : OpenIdConnectEvents
{
    private const string NoUsername = "the identity provider sent no usable preferred_username";
    private const string Disabled = "the account is disabled on this registry";

    public override async Task TicketReceived(TicketReceivedContext context)
    {
        var provided = context.Principal!;
        var subject = provided.FindFirst("sub");
        // The id_token's issuer, validated by the handler against the provider's metadata.
        var issuer = provided.FindFirst("iss")?.Value ?? subject?.Issuer;
        var username = provided.FindFirst("preferred_username")?.Value;
        if (string.IsNullOrEmpty(subject?.Value) || string.IsNullOrEmpty(issuer) || !NameRules.IsEntityName(username))
        {
            LogRefused(log, LogText.Escape(username ?? "(none)"));
            context.Fail(NoUsername);
            return;
        }
        var groups = provided.FindAll("groups").Select(c => c.Value).ToList();
        var signIn = await accounts.SignInAsync(new ProviderIdentity(issuer, subject.Value, username!, provided.FindFirst("name")?.Value ?? username!,
            provided.FindFirst("email")?.Value ?? "", SaysEmailVerified(provided), groups), context.HttpContext.RequestAborted);
        if (signIn.User is not { } user)
        {
            // Not a provider failure: the account page explains whose name it is and what the admin can do.
            LogClash(log, username!, signIn.Clash);
            context.Response.Redirect(SignInEndpoints.FailedUrl(
                signIn.Clash == UsernameClash.LocalAccount ? SignInFailure.LocalAccount : SignInFailure.UsernameTaken, username));
            context.HandleResponse();
            return;
        }
        if (user.IsDisabled)
        {
            context.Fail(Disabled);
            return;
        }
        var identity = new ClaimsIdentity(RegistryClaims.For(user).Append(new Claim(RegistryClaims.SignedInWith, "oidc")),
            CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        context.Principal = new ClaimsPrincipal(identity);
        LogSignedIn(log, LogText.Escape(user.Username), groups.Count);
    }

    /// <summary>
    /// The provider's <c>email_verified</c> (ID token or userinfo; a JSON boolean, or the string some providers send).
    /// A provider that does not say has not verified it.
    /// </summary>
    private static bool SaysEmailVerified(ClaimsPrincipal provided) =>
        bool.TryParse(provided.FindFirst("email_verified")?.Value, out var verified) && verified;

    /// <summary>Provider errors, a refused sign-in or a provider that went away: a page that says so, not an exception.</summary>
    public override Task RemoteFailure(RemoteFailureContext context)
    {
        LogRemoteFailure(log, LogText.Escape(context.Failure?.Message ?? "unknown"));
        var reason = context.Failure?.Message switch
        {
            NoUsername => SignInFailure.NoUsername,
            Disabled => SignInFailure.Disabled,
            _ when context.Failure is HttpRequestException || context.Failure?.InnerException is HttpRequestException => SignInFailure.Unreachable,
            _ => SignInFailure.Provider,
        };
        context.Response.Redirect(SignInEndpoints.FailedUrl(reason));
        context.HandleResponse();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in through OIDC: {Username} ({Groups} groups)")]
    private static partial void LogSignedIn(ILogger logger, string username, int groups);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC sign-in refused: username {Username} is taken ({Clash})")]
    private static partial void LogClash(ILogger logger, string username, UsernameClash clash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC sign-in refused: unusable username {Username}")]
    private static partial void LogRefused(ILogger logger, string username);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC sign-in failed: {Reason}")]
    private static partial void LogRemoteFailure(ILogger logger, string reason);
}
