using SRegistry.Core.Access;
using SRegistry.Core.Accounts;

namespace SRegistry.Web.Auth;

/// <summary>The current request's <see cref="Principal"/>, bound as an endpoint parameter.</summary>
public sealed record Caller(Principal Principal, bool PresentedBadToken)
{
    public static async ValueTask<Caller?> BindAsync(HttpContext context)
    {
        var userId = RegistryClaims.UserIdOf(context.User);
        var presentedToken = BearerTokenHandler.TokenFrom(context.Request.Headers.Authorization.ToString()) is not null;
        if (userId is null)
        {
            return new Caller(Principal.Anonymous, presentedToken);
        }
        var principal = await context.RequestServices.GetRequiredService<UserAccounts>().PrincipalForAsync(userId, context.RequestAborted);
        return new Caller(principal, presentedToken && !principal.IsAuthenticated);
    }
}
