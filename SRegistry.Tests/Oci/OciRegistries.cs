using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// A class fixture with both registries the OCI tests compare: Debian's <c>docker-registry</c> (started at once)
/// and SRegistry on a real loopback port with a user <c>alice</c> and her API token (started only when
/// <see cref="SRegistryServesOci"/> is on).
/// </summary>
public sealed class OciRegistries : IAsyncLifetime
{
    /// <summary>
    /// THE switch for every SRegistry-side OCI test of this folder and EndToEnd/OciClient: off, they skip with
    /// <see cref="NotYet"/>. Tests of real clients that log in also wait for <c>/v2/token</c> (<see cref="LoginTarget"/>).
    /// </summary>
    public static bool SRegistryServesOci => true;

    public const string NotYet = "SRegistry's OCI endpoints have not landed yet (OciRegistries.SRegistryServesOci is off)";

    private readonly DistributionRegistry distribution = new();
    private RegistryServer? sregistry;
    private OciTarget? sregistryTarget;

    public static bool ToolsAvailable => DistributionRegistry.Available && Skopeo.Available;

    public OciTarget Distribution { get; private set; } = null!;

    /// <summary>SRegistry as an OCI target; skips the calling test while the switch is off.</summary>
    public OciTarget SRegistry
    {
        get
        {
            Assert.SkipUnless(SRegistryServesOci, NotYet);
            return sregistryTarget!;
        }
    }

    /// <summary>The server behind <see cref="SRegistry"/>, for tests that look at its store or make a collection private.</summary>
    public RegistryServer SRegistryServer
    {
        get
        {
            Assert.SkipUnless(SRegistryServesOci, NotYet);
            return sregistry!;
        }
    }

    public OciTarget Target(string name) => name == OciTarget.SRegistry ? SRegistry : Distribution;

    /// <summary>
    /// The target for a real client that logs in as OCI clients do (a 401, then <c>/v2/token</c> with Basic
    /// credentials): on SRegistry that waits for the token endpoint too (issue 18 item 2), found by asking for it.
    /// </summary>
    public OciTarget LoginTarget(string name)
    {
        var target = Target(name);
        Assert.SkipWhen(name == OciTarget.SRegistry && !sregistryIssuesTokens, NoTokens);
        return target;
    }

    public const string NoTokens = "SRegistry's /v2/token (the registry tokens skopeo and containers/image log in with, anonymous ones too) has not landed yet";

    private bool sregistryIssuesTokens;

    /// <summary>Both targets' names, for theories that run the same steps against each.</summary>
    public static TheoryData<string> Names => new(OciTarget.Distribution, OciTarget.SRegistry);

    public async ValueTask InitializeAsync()
    {
        if (!ToolsAvailable)
        {
            return;
        }
        await distribution.StartAsync();
        Distribution = new OciTarget(OciTarget.Distribution, distribution.Host, null, null);
        if (SRegistryServesOci)
        {
            sregistry = new RegistryServer();
            var token = await sregistry.CreateTokenAsync("alice");
            sregistryTarget = new OciTarget(OciTarget.SRegistry, new Uri(sregistry.BaseUrl).Authority, "alice", token);
            using var http = new HttpClient();
            using var probe = new HttpRequestMessage(HttpMethod.Get, sregistry.BaseUrl + "/v2/token?service=probe");
            probe.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("alice:" + token)));
            sregistryIssuesTokens = (await http.SendAsync(probe)).StatusCode != System.Net.HttpStatusCode.NotFound;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await distribution.DisposeAsync();
        if (sregistry is not null)
        {
            await sregistry.DisposeAsync();
        }
    }
}
