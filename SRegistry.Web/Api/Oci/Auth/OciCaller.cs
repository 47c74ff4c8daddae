using SRegistry.Core.Access;
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
    // Stub until the registry-token work lands: the library's bearer tokens only.
    public static async ValueTask<OciCaller?> BindAsync(HttpContext context)
    {
        var caller = await Caller.BindAsync(context);
        return new OciCaller(caller!.Principal, null, caller.PresentedBadToken);
    }

    /// <summary>Whether the credentials reach this action on this repository (a registry token may not).</summary>
    public bool Holds(string repository, string action) =>
        GrantedScopes is null || GrantedScopes.Contains(repository + ":" + action);
}
