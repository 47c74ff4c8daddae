using SRegistry.Core.Access;
using SRegistry.Core.Oci;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>
/// Where every OCI request learns which repository it acts on, or what to answer instead. What the caller may do is
/// asked of <see cref="RepositoryGrants"/>, the same judge <c>/v2/token</c> asks; a registry token can only narrow
/// that, and a token without the action gets the challenge that sends the client for a better one. What the caller
/// may not see is unknown to a signed-in caller and a login prompt to an anonymous one, whether it exists or not.
/// </summary>
public sealed class OciGate(RepositoryGrants grants, OciRepositories repositories)
{
    public async Task<(OciRepository? Repository, IResult? Refusal)> ForReadAsync(HttpContext context, OciCaller caller, string name)
    {
        if (caller.PresentedBadCredentials)
        {
            return (null, OciChallenge.For(context, name, OciActions.Pull));
        }
        if (OciNames.ParseRepository(name) is null)
        {
            return (null, OciError.NameInvalid($"invalid repository name: {OciNames.RepositoryRule}"));
        }
        var allowed = await grants.ActionsAsync(caller.Principal, name, context.RequestAborted);
        if (!allowed.Contains(OciActions.Pull))
        {
            return (null, Unseen(context, caller, name, OciActions.Pull));
        }
        if (!caller.Holds(name, OciActions.Pull))
        {
            return (null, OciChallenge.For(context, name, OciActions.Pull));
        }
        var found = await repositories.FindForReadAsync(caller.Principal, name, context.RequestAborted);
        return found.Succeeded ? (found.Value, null) : (null, OciResults.ToError(found.Refusal));
    }

    /// <summary>A repository to push to (created on a first push) or delete from.</summary>
    public async Task<(OciRepository? Repository, IResult? Refusal)> ForChangeAsync(HttpContext context, OciCaller caller, string name, string action)
    {
        var actions = action == OciActions.Push ? "pull,push" : action;
        if (caller.PresentedBadCredentials || !caller.Principal.IsAuthenticated)
        {
            return (null, OciChallenge.For(context, name, actions));
        }
        if (OciNames.ParseRepository(name) is null)
        {
            return (null, OciError.NameInvalid($"invalid repository name: {OciNames.RepositoryRule}"));
        }
        var allowed = await grants.ActionsAsync(caller.Principal, name, context.RequestAborted);
        if (!allowed.Contains(action))
        {
            return (null, allowed.Contains(OciActions.Pull)
                ? OciError.Denied($"you may not {action} in repository '{name}': no such right in its collection, or the container is frozen")
                : Unseen(context, caller, name, actions));
        }
        if (!caller.Holds(name, action))
        {
            return (null, OciChallenge.For(context, name, actions));
        }
        var policyAction = action == OciActions.Push ? CollectionAction.Push : CollectionAction.DeleteImage;
        var found = await repositories.FindForChangeAsync(caller.Principal, name, policyAction, context.RequestAborted);
        return found.Succeeded ? (found.Value, null) : (null, OciResults.ToError(found.Refusal));
    }

    public static string NameOf(string entity, string collection, string container) => $"{entity}/{collection}/{container}";

    private static OciError Unseen(HttpContext context, OciCaller caller, string name, string actions) => caller.Principal.IsAuthenticated
        ? OciError.NameUnknown($"repository '{name}' not found")
        : OciChallenge.For(context, name, actions);
}
