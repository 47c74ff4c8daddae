using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using SRegistry.Core.Accounts;
using SRegistry.Core.Naming;
using SRegistry.Web.Hosting;

namespace SRegistry.Web.Auth;

/// <summary>Why a sign-in did not work; the failure page explains each in words.</summary>
public enum SignInFailure
{
    Provider,
    Unreachable,
    NoUsername,
    Disabled,
    Unconfigured,
    /// <summary>The provider's username is a local account here, and linking by username is off.</summary>
    LocalAccount,
    /// <summary>The provider's username belongs to another provider identity here.</summary>
    UsernameTaken,
}

/// <summary>
/// Sign-in and sign-out are plain HTTP endpoints, not components: cookies can only be set on a real request.
/// </summary>
public static partial class SignInEndpoints
{
    public static string FailedUrl(SignInFailure reason, string? username = null) =>
        $"/signin/failed?reason={reason.ToString().ToLowerInvariant()}" + (username is null ? "" : "&username=" + Uri.EscapeDataString(username));

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", SignIn);
        var settings = app.ServiceProvider.GetRequiredService<SignInSettings>();
        if (settings.DevelopmentSignInActive(app.ServiceProvider.GetRequiredService<IHostEnvironment>()))
        {
            // Not mapped at all otherwise: in production the way in does not exist, rather than being refused.
            app.MapPost("/signin/dev", DevelopmentSignIn).DisableAntiforgery().AddEndpointFilter(RequireAntiforgery);
        }
        app.MapPost("/signout", SignOut).DisableAntiforgery().AddEndpointFilter(RequireAntiforgery);
        return app;
    }

    /// <summary>Starts the configured way in: the OIDC provider, or the development sign-in page.</summary>
    private static async Task<IResult> SignIn(HttpContext context, SignInSettings settings, IHostEnvironment environment,
        ILoggerFactory logs, string? returnUrl = null)
    {
        var target = LocalOnly(returnUrl);
        if (settings.Oidc.IsConfigured)
        {
            try
            {
                // The handler fetches the provider's metadata here: a provider that is down fails now, not in the browser.
                await context.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = target });
                return Results.Empty;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException)
            {
                LogProviderDown(logs.CreateLogger("SRegistry.SignIn"), LogText.Escape(e.GetBaseException().Message));
                return Results.Redirect(FailedUrl(SignInFailure.Unreachable));
            }
        }
        return settings.DevelopmentSignInActive(environment)
            ? Results.Redirect("/signin/dev?returnUrl=" + Uri.EscapeDataString(target))
            : Results.Redirect(FailedUrl(SignInFailure.Unconfigured));
    }

    private static async Task<IResult> DevelopmentSignIn(HttpContext context, UserAccounts users, [FromForm] string? username,
        [FromForm] string? returnUrl)
    {
        var target = LocalOnly(returnUrl);
        if (!NameRules.IsEntityName(username))
        {
            return Results.Redirect($"/signin/dev?invalid=1&username={Uri.EscapeDataString(username ?? "")}&returnUrl={Uri.EscapeDataString(target)}");
        }
        var user = await users.EnsureLocalUserAsync(username!, makeAdmin: false, context.RequestAborted);
        if (user.IsDisabled)
        {
            return Results.Redirect(FailedUrl(SignInFailure.Disabled));
        }
        var identity = new ClaimsIdentity(RegistryClaims.For(user).Append(new Claim(RegistryClaims.SignedInWith, "development")),
            CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(target);
    }

    /// <summary>Ends the local session, and the provider's too when the user came through OIDC.</summary>
    private static async Task SignOut(HttpContext context, SignInSettings settings)
    {
        var viaOidc = context.User.FindFirst(RegistryClaims.SignedInWith)?.Value == "oidc";
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (viaOidc && settings.Oidc.IsConfigured)
        {
            try
            {
                await context.SignOutAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = "/" });
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                // The provider is unreachable: the local session is over, which is what matters here.
            }
        }
        context.Response.Redirect("/");
    }

    /// <summary>Form posts carry the antiforgery token; a missing or wrong one is a 400, checked explicitly so the rule is visible.</summary>
    private static async ValueTask<object?> RequireAntiforgery(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var antiforgery = invocation.HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(invocation.HttpContext))
        {
            return Results.BadRequest("This form has expired. Go back, reload the page and try again.");
        }
        return await next(invocation);
    }

    /// <summary>Only paths on this site: an open redirect after sign-in would hand the session's trust to anyone.</summary>
    internal static string LocalOnly(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length < 2048 && returnUrl[0] == '/'
        && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
        && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity provider unreachable at sign-in: {Reason}")]
    private static partial void LogProviderDown(ILogger logger, string reason);
}
