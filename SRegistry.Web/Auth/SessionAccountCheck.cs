using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;

namespace SRegistry.Web.Auth;

/// <summary>
/// Ends a browser session whose account was disabled or removed since it signed in, on its next request: the cookie
/// alone would otherwise stay valid for hours. (Core calls re-read the user anyway; this also closes the pages.)
/// </summary>
public static class SessionAccountCheck
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var userId = context.Principal is null ? null : RegistryClaims.UserIdOf(context.Principal);
        var db = context.HttpContext.RequestServices.GetRequiredService<RegistryDbContext>();
        var active = userId is not null && await db.Users.AsNoTracking().AnyAsync(u => u.Id == userId && !u.IsDisabled, context.HttpContext.RequestAborted);
        if (!active)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
