using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Accounts;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;

namespace SRegistry.Web.Auth;

/// <summary>
/// Ends a browser session whose account was disabled or removed since it signed in, on its next request: the cookie
/// alone would otherwise stay valid for hours. (Core calls re-read the user anyway; this also closes the pages.)
/// An OIDC session also ends once the groups of the user's last sign-in are older than
/// <c>Registry:GroupClaimsLifetime</c>, so the next page asks the provider again instead of quietly losing group rights.
/// </summary>
public static class SessionAccountCheck
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var userId = context.Principal is null ? null : RegistryClaims.UserIdOf(context.Principal);
        var services = context.HttpContext.RequestServices;
        var db = services.GetRequiredService<RegistryDbContext>();
        var user = userId is null ? null : await db.Users.AsNoTracking().Where(u => u.Id == userId && !u.IsDisabled)
            .Select(u => new { u.GroupsCheckedAt }).FirstOrDefaultAsync(context.HttpContext.RequestAborted);
        var viaOidc = context.Principal?.FindFirst(RegistryClaims.SignedInWith)?.Value == "oidc";
        var active = user is not null && (!viaOidc || AdminRights.GroupsCurrent(user.GroupsCheckedAt,
            services.GetRequiredService<IOptions<RegistryOptions>>().Value, services.GetRequiredService<TimeProvider>().GetUtcNow()));
        if (!active)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
