using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Storage;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Observability;

/// <summary>
/// <c>/metrics</c> on a real process (prometheus-net keeps process-wide state, so an in-process server would see other
/// tests' traffic): scraped after a push and a pull, parsed as Prometheus exposition text, and closed to everyone
/// but admin tokens and the allowed networks. The garbage-collection counter is read in-process (see its test).
/// </summary>
public sealed class MetricsTests : IDisposable
{
    private readonly SifFiles sifs = new();

    public MetricsTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    [Fact]
    public async Task After_a_push_and_a_pull_the_counters_gauges_and_request_metrics_show_them()
    {
        await using var registry = new RegistryProcess();
        var admin = await registry.CreateTokenAsync("root", admin: true);
        var user = await registry.CreateTokenAsync("mira");
        await registry.StartAsync();
        var sif = await sifs.CreateAsync(300_000);
        await new LibraryProtocol(registry.Client(user)).PushAsync("mira/observed/tool", sif);
        await new LibraryProtocol(registry.Client()).PullAsync("mira/observed/tool");
        (await registry.Client("not-a-real-token").GetAsync("v1/token-status")).Dispose();

        var scraped = await registry.Client(admin).GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.StartsWith("text/plain", scraped.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var text = await scraped.Content.ReadAsStringAsync();
        var samples = Exposition.Parse(text);

        Assert.True(samples.Value("sregistry_pushes") == 1, text);
        Assert.Equal(1, samples.Value("sregistry_pulls"));
        Assert.Equal(1, samples.Value("sregistry_failed_token_checks"));
        Assert.True(samples.Value("sregistry_image_bytes_received") >= sif.Size, text);
        Assert.True(samples.Value("sregistry_image_bytes_sent") >= sif.Size, text);
        Assert.Equal(sif.Size, samples.Value("sregistry_storage_stored_bytes"));
        Assert.Equal(0, samples.Value("sregistry_uploads_in_progress"));
        // Requests by route and status, with durations.
        Assert.Contains(samples.All, s => s.Name == "http_requests_received_total" && s.Labels.Contains("code=\"303\"", StringComparison.Ordinal)
            && s.Labels.Contains("endpoint=\"/v1/imagefile/{**reference}\"", StringComparison.Ordinal) && s.Value == 1);
        Assert.Contains(samples.All, s => s.Name == "http_request_duration_seconds_count" && s.Labels.Contains("code=\"303\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_admin_tokens_and_allowed_networks_may_read_it()
    {
        await using (var closed = new RegistryProcess())
        {
            var admin = await closed.CreateTokenAsync("root", admin: true);
            var user = await closed.CreateTokenAsync("nils");
            await closed.StartAsync();
            Assert.Equal(HttpStatusCode.NotFound, (await closed.Client().GetAsync("metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await closed.Client(user).GetAsync("metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await closed.Client(admin).GetAsync("metrics")).StatusCode);
        }
        await using var open = new RegistryProcess().With("Registry__Metrics__AllowedNetworks__0", "127.0.0.0/8");
        await open.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await open.Client().GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task One_environment_variable_with_commas_and_spaces_lists_the_allowed_networks()
    {
        // The form an environment file takes, as Registry__TrustedProxies accepts it.
        await using var open = new RegistryProcess().With("Registry__Metrics__AllowedNetworks", "10.0.5.0/24, 127.0.0.0/8 ::1");
        await open.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await open.Client().GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task A_garbage_collection_run_moves_its_counter()
    {
        // Runs start in the admin area (in the server's process), so this one is in-process; the counter is process-wide,
        // and other test classes may collect at the same moment: it must go up by at least this run.
        await using var server = new RegistryServer();
        var admin = server.Client(await server.CreateTokenAsync("root", admin: true));
        var before = await GarbageCollectionsAsync(admin);

        await server.InScopeAsync(sp => sp.GetRequiredService<GarbageCollector>().CollectUnreferencedAsync(dryRun: false));

        Assert.True(await GarbageCollectionsAsync(admin) >= before + 1);
    }

    private static async Task<double> GarbageCollectionsAsync(HttpClient admin)
    {
        var scraped = await admin.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        var value = Exposition.Parse(await scraped.Content.ReadAsStringAsync()).Value("sregistry_garbage_collections");
        // A counter nothing has added to yet is not exported.
        return double.IsNaN(value) ? 0 : value;
    }

    public void Dispose() => sifs.Dispose();

    /// <summary>The Prometheus text format, line by line: <c>name{labels} value</c>; comments and blank lines skipped.</summary>
    private sealed record Exposition(List<(string Name, string Labels, double Value)> All)
    {
        public static Exposition Parse(string text)
        {
            var samples = new List<(string, string, double)>();
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith('#'))
                {
                    continue;
                }
                var space = line.LastIndexOf(' ');
                var series = line[..space];
                var brace = series.IndexOf('{', StringComparison.Ordinal);
                samples.Add((brace < 0 ? series : series[..brace], brace < 0 ? "" : series[brace..],
                    double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
            }
            return new Exposition(samples);
        }

        public double Value(string name) =>
            All.Where(s => s.Name == name).Select(s => s.Value).DefaultIfEmpty(double.NaN).Sum();
    }
}
