using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SRegistry.Core;
using SRegistry.Core.Configuration;
using SRegistry.Core.Naming;
using SRegistry.Core.Oci;
using SRegistry.Web.Api.Library;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>
/// <c>GET /v1/oci-redirect</c> (docs/protocol/oci.md#redirect-probe): the library clients' question "may I do this
/// push or pull over OCI instead?". A 200 is a promise with no fallback, so it is given only when
/// <c>Registry:Oci:AdvertiseToLibraryClients</c> is on and the caller may do every action asked for; any other case
/// answers 404 in the library's envelope (401 for a bad token), and the client stays on the library flow.
/// </summary>
public static class LibraryRedirect
{
    public static async Task<Results<JsonHttpResult<RedirectWire>, LibraryError>> Probe(HttpContext context, Caller caller,
        [FromQuery(Name = "namespace")] string? reference, string? accessTypes, string? mapped, IOptions<RegistryOptions> options,
        RepositoryGrants grants, RegistryTokens tokens, PublicUrls urls, CancellationToken ct)
    {
        var settings = options.Value.Oci;
        if (!settings.AdvertiseToLibraryClients)
        {
            return LibraryError.NotFound("this registry serves SIF images through the library API only");
        }
        if (caller.PresentedBadToken)
        {
            return OutcomeResults.Error(Problem.Unauthenticated(), caller);
        }
        var actions = (string.IsNullOrEmpty(accessTypes) ? OciActions.Pull : accessTypes).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var name = mapped == "1" ? await grants.ExpandAsync(caller.Principal, reference, ct) : OciNames.ParseRepository(reference)?.ToString();
        if (name is null || actions.Length == 0 || !actions.All(OciActions.IsKnown))
        {
            return LibraryError.NotFound($"not served over OCI: {LibraryRefText(reference)}");
        }
        var allowed = await grants.ActionsAsync(caller.Principal, name, ct);
        if (!actions.All(allowed.Contains))
        {
            // Absent, hidden and refused alike: the library flow then answers as it always does.
            return LibraryError.NotFound($"not served over OCI: {LibraryRefText(reference)}");
        }
        var scopes = OciActions.All.Where(actions.Contains).Select(a => name + ":" + a);
        var issued = tokens.Issue(caller.Principal.UserId, scopes, settings.RedirectTokenLifetime);
        return TypedResults.Json(new RedirectWire(issued.Token, urls.BaseUrl(context.Request), name));
    }

    private static string LibraryRefText(string? reference) => LibraryRef.Shorten(reference ?? "");

    /// <summary>A bare object, not enveloped: the clients read it as it is.</summary>
    public sealed record RedirectWire(
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("name")] string Name);
}
