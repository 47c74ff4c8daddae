namespace SRegistry.Tests.Oci;

/// <summary>
/// One OCI registry the tests talk to: the reference registry or SRegistry. Repository names are three segments
/// (<c>entity/collection/container</c>) on both, as SRegistry requires; <see cref="Creds"/> is <c>user:token</c>
/// where pushing needs a login, null where it needs none.
/// </summary>
public sealed record OciTarget(string Name, string Host, string? User, string? Secret)
{
    public const string Distribution = "distribution";
    public const string SRegistry = "sregistry";

    public string BaseUrl => "http://" + Host;

    public string? Creds => User is null ? null : User + ":" + Secret;

    /// <summary><c>docker://HOST/REPOSITORY:TAG</c> for skopeo.</summary>
    public string Reference(string repository, string tag) => $"docker://{Host}/{repository}:{tag}";

    public string Repository(string repository) => $"docker://{Host}/{repository}";

    /// <summary>
    /// An HTTP client that logs in on a 401 (with this target's credentials, or never when <paramref name="anonymous"/>).
    /// On SRegistry it sends the API token as a bearer token from the first request on, as the library clients do
    /// after the OCI redirect (docs/protocol/oci.md#redirect-probe), so request sequences see no 401 first.
    /// </summary>
    public HttpClient Http(bool anonymous = false)
    {
        var http = new HttpClient(new OciAuthHandler(anonymous ? null : User, Secret)) { BaseAddress = new Uri(BaseUrl + "/") };
        if (!anonymous && Name == SRegistry && Secret is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Secret);
        }
        return http;
    }
}
