using SRegistry.Core.Access;
using SRegistry.Core.Oci;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>
/// Where every OCI request learns which repository it acts on, or what to answer instead. The access policy decides
/// (through <see cref="OciRepositories"/>); a registry token can only narrow that, and a token without the action gets
/// the challenge that sends the client for a better one.
/// </summary>
public sealed class OciGate(OciRepositories repositories)
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    public async Task<(OciRepository? Repository, IResult? Refusal)> ForReadAsync(HttpContext context, OciCaller caller, string name)
    {
        if (caller.PresentedBadCredentials)
        {
            return (null, OciChallenge.For(context, name, Pull));
        }
        var found = await repositories.FindForReadAsync(caller.Principal, name, context.RequestAborted);
        if (!found.Succeeded)
        {
            return (null, found.Code == OciCode.Unauthorized ? OciChallenge.For(context, name, Pull) : OciResults.ToError(found.Refusal));
        }
        return caller.Holds(name, Pull) ? (found.Value, null) : (null, OciChallenge.For(context, name, Pull));
    }

    /// <summary>A repository to push to (created on a first push) or delete from.</summary>
    public async Task<(OciRepository? Repository, IResult? Refusal)> ForChangeAsync(HttpContext context, OciCaller caller, string name, string action)
    {
        var actions = action == Push ? "pull,push" : action;
        if (caller.PresentedBadCredentials || !caller.Principal.IsAuthenticated || !caller.Holds(name, action))
        {
            return (null, OciChallenge.For(context, name, actions));
        }
        var policyAction = action == Push ? CollectionAction.Push : CollectionAction.DeleteImage;
        var found = await repositories.FindForChangeAsync(caller.Principal, name, policyAction, context.RequestAborted);
        if (!found.Succeeded)
        {
            return (null, found.Code == OciCode.Unauthorized ? OciChallenge.For(context, name, actions) : OciResults.ToError(found.Refusal));
        }
        return (found.Value, null);
    }

    public static string NameOf(string entity, string collection, string container) => $"{entity}/{collection}/{container}";
}
