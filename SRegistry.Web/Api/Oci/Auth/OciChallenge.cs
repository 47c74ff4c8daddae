namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>
/// The 401 an OCI client needs to log in: <c>WWW-Authenticate: Bearer realm="…/v2/token",service="…",scope="…"</c>
/// (docs/protocol/oci.md#auth). Clients attach credentials only after such an answer.
/// </summary>
public static class OciChallenge
{
    /// <summary>The challenge for <paramref name="actions"/> (e.g. <c>pull,push</c>) on a repository, or for the registry itself when null.</summary>
    public static OciError For(HttpContext context, string? repository, string actions)
    {
        var baseUrl = context.RequestServices.GetRequiredService<PublicUrls>().BaseUrl(context.Request);
        var header = $"Bearer realm=\"{baseUrl}/v2/token\",service=\"{ServiceName(baseUrl)}\"";
        if (repository is not null)
        {
            header += $",scope=\"repository:{repository}:{actions}\"";
        }
        return OciError.Unauthorized().With("WWW-Authenticate", header);
    }

    /// <summary>The <c>service</c> of challenges: the public host (and port), as clients reach the registry.</summary>
    public static string ServiceName(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.Authority : "sregistry";
}
