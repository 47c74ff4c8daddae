using System.Globalization;
using System.Net;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Tls;

/// <summary>
/// The registry as a site runs it, behind nginx with TLS: the real library client trusting the site's CA pushes a
/// multipart image and pulls it in ranges through the proxy, and the token brake behind the proxy tells clients apart
/// by the address nginx forwards, never refusing a valid token.
/// </summary>
public sealed class TlsDeploymentTests(TlsDeployment site) : IClassFixture<TlsDeployment>, IAsyncLifetime
{
    private const long MultipartThreshold = 64L * 1024 * 1024;
    private readonly SifFiles sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TlsDeployment.Available, "nginx or openssl is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_real_client_trusting_the_sites_ca_pushes_a_multipart_image_and_pulls_it_in_ranges_through_tls()
    {
        Assert.SkipUnless(LibraryClientDriver.Available && SifFiles.SiftoolAvailable, "the Go library client or siftool is missing");
        var token = await site.Server.CreateTokenAsync("alice");
        var sif = await sifs.CreateAsync(MultipartThreshold + (6 * 1024 * 1024));

        var pushed = await LibraryClientDriver.RunTrustingAsync(site.Certificates.CaPem, site.BaseUrl, token, "push", sif.Path, "alice/tls/big", "-tags", "1.0");
        Assert.True(pushed.Succeeded, pushed.Stderr);
        var pulledPath = Path.Combine(sifs.Folder, "pulled.sif");
        var pulled = await LibraryClientDriver.RunTrustingAsync(site.Certificates.CaPem, site.BaseUrl, token, "pull", "alice/tls/big", "1.0", pulledPath,
            "-concurrency", "4", "-part-size", (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
        Assert.True(pulled.Succeeded, pulled.Stderr);

        Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(pulledPath));
        Assert.Equal(2, site.Server.Requests.Count(r => r.StartsWith("PUT /v2/imagefile/", StringComparison.Ordinal) && r.EndsWith("/_multipart", StringComparison.Ordinal)));
        if (TestBackends.OnS3)
        {
            return; // The bytes went to the bucket by presigned URLs; nothing of them passes the proxy.
        }
        // The transfer URLs the registry handed out were https ones through nginx, built from the forwarded scheme and host.
        var log = await site.Proxy.AccessLogWithAsync(l => l.Contains("\"GET /_blobs/dl/", StringComparison.Ordinal));
        Assert.Equal(2, log.Count(l => l.Contains("\"PUT /_blobs/part/", StringComparison.Ordinal) && l.Contains("\" 200 ", StringComparison.Ordinal)));
        Assert.True(log.Count(l => l.Contains("\"GET /_blobs/dl/", StringComparison.Ordinal) && l.Contains("\" 206 range=\"bytes=", StringComparison.Ordinal)) >= 17,
            string.Join('\n', log));
    }

    [Fact]
    public async Task The_real_client_refuses_the_proxy_when_it_does_not_trust_the_ca()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "the Go library client is missing");
        var otherCa = Path.Combine(sifs.Folder, "other-ca.pem");
        File.Copy("/etc/ssl/certs/ca-certificates.crt", otherCa);

        var search = await LibraryClientDriver.RunTrustingAsync(otherCa, site.BaseUrl, null, "search", "anything");

        Assert.False(search.Succeeded);
        Assert.Contains("certificate signed by unknown authority", search.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_token_from_one_address_behind_the_proxy_slows_only_that_address_and_valid_tokens_pass()
    {
        var first = await site.Server.CreateTokenAsync("jobarray");
        var second = await site.Server.CreateTokenAsync("neighbour");
        using var stale = site.Client("127.0.0.5", "sreg_stale-token-of-a-job-array");
        using var elsewhere = site.Client("127.0.0.6", "sreg_typo");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await stale.GetAsync("v1/token-status")).StatusCode);
        }

        Assert.Equal((HttpStatusCode)429, (await stale.GetAsync("v1/token-status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await elsewhere.GetAsync("v1/token-status")).StatusCode);
        using var validFromSame = site.Client("127.0.0.5", first);
        using var validFromOther = site.Client("127.0.0.6", second);
        Assert.Equal(HttpStatusCode.OK, (await validFromSame.GetAsync("v1/token-status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await validFromOther.GetAsync("v1/token-status")).StatusCode);
        // nginx saw two clients; the registry keyed the brake on what it forwarded.
        static bool Refused(string l) => l.StartsWith("127.0.0.5 \"GET /v1/token-status", StringComparison.Ordinal) && l.Contains("\" 429 ", StringComparison.Ordinal);
        static bool Passed(string l) => l.StartsWith("127.0.0.6 \"GET /v1/token-status", StringComparison.Ordinal) && l.Contains("\" 200 ", StringComparison.Ordinal);
        Assert.Contains(await site.Proxy.AccessLogWithAsync(Refused), Refused);
        Assert.Contains(await site.Proxy.AccessLogWithAsync(Passed), Passed);
    }

    public ValueTask DisposeAsync()
    {
        sifs.Dispose();
        return ValueTask.CompletedTask;
    }
}
