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
    /// THE switch for every SRegistry-side OCI test: off until SRegistry's <c>/v2/&lt;name&gt;/…</c> endpoints and
    /// <c>/v2/token</c> exist; those tests skip with <see cref="NotYet"/> meanwhile. Turn it on when they land.
    /// </summary>
    public static bool SRegistryServesOci => false;

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
