using System.Globalization;
using System.Net;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Scale;

/// <summary>
/// Two replicas behind nginx on one PostgreSQL and one bucket, driven by Apptainer's own library client: a
/// multipart push whose part requests are spread over both replicas, and pulls, with no image byte passing
/// through either app.
/// </summary>
public sealed class ReplicaTests(ReplicaCluster cluster) : IClassFixture<ReplicaCluster>, IDisposable
{
    private readonly SifFiles sifs = new();

    [Fact]
    public async Task A_multipart_push_spread_over_replicas_completes_and_pulls_back_identical_without_bytes_through_the_apps()
    {
        Assert.SkipUnless(ReplicaCluster.Available, "needs SREG_TEST_POSTGRES, SREG_TEST_S3 (test.sh's second pass), nginx, siftool and the Go client");
        var sif = await sifs.CreateAsync((80L * 1024 * 1024) + 12_345);
        var parts = (int)Math.Ceiling(sif.Size / (double)ReplicaCluster.PartSize);
        var readBackBefore = (await cluster.CountersAsync()).Sum(c => c.ImageBytesReadBack);

        var pushed = await LibraryClientDriver.RunAsync(cluster.BaseUrl, cluster.UserToken, "push", sif.Path, "alice/spread/tool", "-tags", "1.0");

        Assert.True(pushed.Succeeded, pushed.Stderr);
        var partRequests = cluster.Replicas.Select(r => r.Requests.Count(IsPartUrlRequest)).ToList();
        Assert.Equal(parts, partRequests.Sum());
        Assert.All(partRequests, count => Assert.True(count > 0, $"every replica handed out part URLs: {string.Join(", ", partRequests)}"));
        Assert.Single(cluster.Replicas.SelectMany(r => r.Requests), r => r.Contains("/_multipart_complete → 200", StringComparison.Ordinal));

        foreach (var concurrency in new[] { 0, 4 })
        {
            var output = Path.Combine(sifs.Folder, $"pulled-{concurrency}.sif");
            var pulled = await LibraryClientDriver.RunAsync(cluster.BaseUrl, cluster.UserToken, "pull", "alice/spread/tool", "1.0", output,
                "-concurrency", concurrency.ToString(CultureInfo.InvariantCulture));
            Assert.True(pulled.Succeeded, pulled.Stderr);
            Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(output));
        }

        // The bytes went to and came from the bucket: the apps only read each upload back once to verify it.
        Assert.DoesNotContain(cluster.Replicas.SelectMany(r => r.Requests), r => r.Contains(" /_blobs/up/", StringComparison.Ordinal)
            || r.Contains(" /_blobs/part/", StringComparison.Ordinal) || r.Contains(" /_blobs/dl/", StringComparison.Ordinal));
        var counters = await cluster.CountersAsync();
        Assert.All(counters, c => Assert.Equal(0, c.ImageBytesReceived));
        Assert.All(counters, c => Assert.Equal(0, c.ImageBytesSent));
        Assert.Equal(sif.Size, counters.Sum(c => c.ImageBytesReadBack) - readBackBefore);
    }

    [Fact]
    public async Task Signed_urls_and_tokens_from_one_replica_work_on_the_other()
    {
        Assert.SkipUnless(ReplicaCluster.Available, "needs SREG_TEST_POSTGRES, SREG_TEST_S3 (test.sh's second pass), nginx, siftool and the Go client");
        var sif = await sifs.CreateAsync(300_000);
        var first = new LibraryProtocol(Direct(cluster.Replicas[0]));
        await first.PushAsync("alice/keys/tool", sif, tags: "1.0");

        // Resolved, counted and redirected by the other replica; the token was made by the command line on the first.
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var redirect = await noRedirects.GetAsync($"{cluster.Replicas[1].Url}/v1/imagefile/alice/keys/tool:1.0?arch=amd64");
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(redirect.Headers.Location);
        Assert.Equal(sif.Hash, "sha256." + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task An_OCI_upload_whose_chunks_alternate_between_replicas_completes_on_either_and_pulls_back_identical()
    {
        Assert.SkipUnless(ReplicaCluster.Available, "needs SREG_TEST_POSTGRES, SREG_TEST_S3 (test.sh's second pass), nginx, siftool and the Go client");
        var sif = await sifs.CreateAsync(3 * 1024 * 1024);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        var digest = "sha256:" + sif.Hash["sha256.".Length..];
        var replicas = cluster.Replicas.Select(r => new SRegistry.Tests.Oci.OciProtocol(Direct(r))).ToList();

        var started = await replicas[0].Http.PostAsync("v2/alice/ocispread/tool/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var path = started.Headers.Location!.AbsolutePath;
        const int chunk = 700_000;
        for (int offset = 0, turn = 0; offset < bytes.Length; offset += chunk, turn++)
        {
            var patched = await replicas[turn % 2].PatchAsync(new Uri(path.TrimStart('/'), UriKind.Relative),
                bytes[offset..Math.Min(offset + chunk, bytes.Length)], offset);
            Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        }
        var completed = await replicas[1].Http.PutAsync($"{path.TrimStart('/')}?digest={digest}", null);

        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        Assert.Equal(bytes, await new HttpClient().GetByteArrayAsync($"{cluster.Replicas[0].Url}/v2/alice/ocispread/tool/blobs/{digest}"));
    }

    private HttpClient Direct(Replica replica)
    {
        var http = new HttpClient { BaseAddress = new Uri(replica.Url + "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cluster.UserToken);
        return http;
    }

    private static bool IsPartUrlRequest(string line) =>
        line.Contains("PUT /v2/imagefile/", StringComparison.Ordinal) && line.Contains("/_multipart → 200", StringComparison.Ordinal);

    public void Dispose() => sifs.Dispose();
}

/// <summary>A replica dies in the middle of a push: the push (or the next one) finishes through the other, and nothing half-published is ever visible.</summary>
public sealed class ReplicaFailoverTests(ReplicaCluster cluster) : IClassFixture<ReplicaCluster>, IDisposable
{
    private readonly SifFiles sifs = new();

    [Fact]
    public async Task Killing_a_replica_mid_push_leaves_no_half_published_image_and_the_survivor_finishes_the_push()
    {
        Assert.SkipUnless(ReplicaCluster.Available, "needs SREG_TEST_POSTGRES, SREG_TEST_S3 (test.sh's second pass), nginx, siftool and the Go client");
        var sif = await sifs.CreateAsync(96L * 1024 * 1024);
        var push = LibraryClientDriver.RunAsync(cluster.BaseUrl, cluster.UserToken, "push", sif.Path, "alice/failover/tool", "-tags", "1.0");

        // Kill one replica once a few parts are in the bucket: the push is then well under way.
        var victim = cluster.Replicas[0];
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (cluster.Replicas.Sum(r => r.Requests.Count(l => l.Contains("/_multipart → 200", StringComparison.Ordinal))) < 4 && !push.IsCompleted
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        victim.Kill();
        var survivor = new LibraryProtocol(new HttpClient { BaseAddress = new Uri(cluster.BaseUrl + "/") });
        if (!push.IsCompleted)
        {
            // Mid-push, through the survivor: the tag does not exist yet and the image is not uploaded.
            await AssertNotPublishedAsync(survivor, sif.Hash);
        }
        var first = await push;

        TestContext.Current.TestOutputHelper?.WriteLine(first.Succeeded
            ? "the push survived the kill (nginx sent the dead replica's requests to the other)"
            : $"the push failed with the kill ({first.Error}); pushing again");
        if (!first.Succeeded)
        {
            await AssertNotPublishedAsync(survivor, sif.Hash);
            var second = await LibraryClientDriver.RunAsync(cluster.BaseUrl, cluster.UserToken, "push", sif.Path, "alice/failover/tool", "-tags", "1.0");
            Assert.True(second.Succeeded, $"retry after {first.Error}: {second.Stderr}");
        }

        var output = Path.Combine(sifs.Folder, "pulled.sif");
        var pulled = await LibraryClientDriver.RunAsync(cluster.BaseUrl, cluster.UserToken, "pull", "alice/failover/tool", "1.0", output, "-concurrency", "4");
        Assert.True(pulled.Succeeded, pulled.Stderr);
        Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(output));
        Assert.False(victim.IsRunning);
        var blobs = await S3Buckets.KeysAsync(cluster.Bucket, "blobs/");
        Assert.Equal([$"blobs/sha256/{sif.Hash[7..9]}/{sif.Hash[7..]}"], blobs);
    }

    /// <summary>Not published: the tag does not exist and the image record, if there is one yet, says "not uploaded".</summary>
    private static async Task AssertNotPublishedAsync(LibraryProtocol library, string hash)
    {
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync("v1/images/alice/failover/tool:1.0?arch=amd64"), HttpStatusCode.NotFound);
        var pending = await library.Http.GetAsync($"v1/images/alice/failover/tool:{hash}");
        if (pending.StatusCode == HttpStatusCode.OK)
        {
            Assert.False((bool)(await LibraryProtocol.DataAsync(pending))["uploaded"]!);
        }
    }

    public void Dispose() => sifs.Dispose();
}
