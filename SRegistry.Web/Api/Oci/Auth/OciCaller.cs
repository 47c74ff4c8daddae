using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>
/// The caller of an OCI request (<c>/v2/&lt;name&gt;/…</c>): who they are, and, when they came with a registry token
/// from <c>/v2/token</c>, the scopes that token holds. The access policy decides what the user may do; a token only
/// narrows it further, to what was asked for and granted when it was issued.
/// </summary>
/// <param name="GrantedScopes">
/// <c>"&lt;repository&gt;:&lt;action&gt;"</c> entries of a registry token; null when the caller came with an API token,
/// Basic credentials or nothing, which the policy alone judges.
/// </param>
public sealed record OciCaller(Principal Principal, IReadOnlySet<string>? GrantedScopes, bool PresentedBadCredentials)
{
    private static readonly object CacheKey = new();

    /// <summary>
    /// Reads the credentials OCI clients send (docs/protocol/oci.md#auth): <c>Bearer</c> with a registry token (its
    /// user, capped to its scopes) or an API token (its user), <c>Basic username:apitoken</c> (that user), and nothing
    /// or <c>Authorization: none</c> (anonymous). Bad, expired or revoked credentials leave the caller anonymous with
    /// <see cref="PresentedBadCredentials"/> set, so the endpoint answers 401 and the client logs in again.
    /// </summary>
    public static async ValueTask<OciCaller?> BindAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(CacheKey, out var cached) && cached is OciCaller known)
        {
            return known;
        }
        var caller = await ResolveAsync(context);
        context.Items[CacheKey] = caller;
        return caller;
    }

    /// <summary>Whether the credentials reach this action on this repository (a registry token may not).</summary>
    public bool Holds(string repository, string action) =>
        GrantedScopes is null || GrantedScopes.Contains(repository + ":" + action);

    private static async Task<OciCaller> ResolveAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var bearer = BearerTokenHandler.TokenFrom(header);
        var accounts = context.RequestServices.GetRequiredService<UserAccounts>();
        if (RegistryTokens.LooksLikeRegistryToken(bearer))
        {
            // The bearer check left these alone: only the OCI side reads them.
            var claims = context.RequestServices.GetRequiredService<RegistryTokens>().Read(bearer);
            if (claims is null || claims.Expired)
            {
                return new OciCaller(Principal.Anonymous, null, true);
            }
            var principal = claims.UserId is null ? Principal.Anonymous : await accounts.PrincipalForAsync(claims.UserId, context.RequestAborted);
            // A token whose user was disabled since is bad, not anonymous.
            return claims.UserId is not null && !principal.IsAuthenticated
                ? new OciCaller(Principal.Anonymous, null, true)
                : new OciCaller(principal, claims.Scopes, false);
        }
        if (BasicLogin.IsPresented(context))
        {
            var login = await BasicLogin.CheckAsync(context);
            if (!login.Succeeded)
            {
                return new OciCaller(Principal.Anonymous, null, true);
            }
            var principal = await accounts.PrincipalForAsync(login.User!.Id, context.RequestAborted);
            return new OciCaller(principal, null, !principal.IsAuthenticated);
        }
        // An API token (already checked, and counted when bad, by the bearer handler), or nothing at all.
        var library = await Caller.BindAsync(context);
        return new OciCaller(library!.Principal, null, library.PresentedBadToken);
    }
}
