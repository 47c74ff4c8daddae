using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// A pull cut off midway resumes where it stopped: a Range request with If-Range on the blob's ETag continues the same
/// bytes, and the joined file verifies against the image's hash. A changed ETag gets the whole file, never a mix.
/// </summary>
public sealed class InterruptedDownloadTests : IClassFixture<RegistryServer>, IDisposable
{
    private readonly RegistryServer server;
    private readonly SifFiles sifs = new();

    public InterruptedDownloadTests(RegistryServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    // With S3 a pull is a 303 to the store, which answers ranges itself (its ETag is the object's MD5); the real
    // client's ranged pulls from the bucket are in the end-to-end tests.
    private const string ServedByTheStore = "with S3 the store serves the bytes, its own ETag and If-Range rules";

    [Fact]
    public async Task A_download_cut_off_midway_resumes_with_range_and_verifies()
    {
        Assert.SkipWhen(TestBackends.OnS3, ServedByTheStore);
        var (url, sif) = await PushedAsync("resume");
        using var anonymous = new HttpClient();
        var received = new MemoryStream();
        EntityTagHeaderValue etag;
        using (var first = await anonymous.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("bytes", first.Headers.AcceptRanges.Single());
            etag = first.Headers.ETag!;
            Assert.Equal($"\"{sif.Hash}\"", etag.Tag);
            await using var body = await first.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            while (received.Length < 1024 * 1024)
            {
                var n = await body.ReadAsync(buffer);
                Assert.True(n > 0);
                received.Write(buffer, 0, n);
            }
            // The connection goes away here, part-way through the body.
        }

        var offset = received.Length;
        using var resume = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(offset, null) } };
        resume.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using var rest = await anonymous.SendAsync(resume);

        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(offset, rest.Content.Headers.ContentRange!.From);
        Assert.Equal(sif.Size, rest.Content.Headers.ContentRange.Length);
        received.Write(await rest.Content.ReadAsByteArrayAsync());
        Assert.Equal(sif.Size, received.Length);
        Assert.Equal(sif.Hash[7..], Convert.ToHexStringLower(SHA256.HashData(received.ToArray())));
    }

    [Fact]
    public async Task A_resume_against_another_etag_gets_the_whole_file_and_past_the_end_is_416()
    {
        Assert.SkipWhen(TestBackends.OnS3, ServedByTheStore);
        var (url, sif) = await PushedAsync("stale");
        using var anonymous = new HttpClient();
        using var stale = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(1000, null) } };
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"sha256.0000\""));
        using var whole = await anonymous.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(sif.Hash[7..], Convert.ToHexStringLower(SHA256.HashData(await whole.Content.ReadAsByteArrayAsync())));

        using var beyond = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(sif.Size + 10, null) } };
        using var refused = await anonymous.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
        Assert.Equal(sif.Size, refused.Content.Headers.ContentRange!.Length);
    }

    /// <summary>Downloads are copied in 1 MiB blocks (LargeBlockFileSender): ranges inside, across and at the ends of blocks are exact.</summary>
    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1048575L, 1048576L)] // the last byte of the first block and the first of the second
    [InlineData(1000L, 2100000L)] // spans two block boundaries
    [InlineData(2097152L, null)] // from a block boundary to the end
    public async Task Ranges_across_block_boundaries_return_exactly_those_bytes(long from, long? to)
    {
        Assert.SkipWhen(TestBackends.OnS3, ServedByTheStore);
        var (url, sif) = await PushedAsync($"range{from}to{to?.ToString(CultureInfo.InvariantCulture) ?? "end"}");
        var file = await File.ReadAllBytesAsync(sif.Path);
        using var anonymous = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(from, to) } };

        using var ranged = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        var expected = file[(int)from..(int)((to ?? file.Length - 1) + 1)];
        Assert.Equal(expected, await ranged.Content.ReadAsByteArrayAsync());
        Assert.Equal(expected.Length, ranged.Content.Headers.ContentLength);
        var whole = await anonymous.GetByteArrayAsync(url);
        Assert.Equal(sif.Hash, "sha256." + Convert.ToHexStringLower(SHA256.HashData(whole)));
    }

    private async Task<(string Url, (string Path, string Hash, long Size) Sif)> PushedAsync(string container)
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("puller")));
        var sif = await sifs.CreateAsync(3 * 1024 * 1024);
        await library.PushAsync($"puller/downloads/{container}", sif);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = library.Http.BaseAddress };
        var redirect = await noRedirects.GetAsync($"v1/imagefile/puller/downloads/{container}:latest?arch=amd64");
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        return (redirect.Headers.Location!.ToString(), sif);
    }

    public void Dispose() => sifs.Dispose();
}
