using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Uploads;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

/// <summary>Every bad request gets the protocol's JSON error with the right status, never a 500, and changes nothing stored.</summary>
public sealed class BadInputTests : IClassFixture<SmallPartServer>, IAsyncLifetime, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();
    private LibraryProtocol library = null!;
    private string containerId = "";
    private (string Path, string Hash, long Size) stored;

    public BadInputTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    public async ValueTask InitializeAsync()
    {
        library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("owner")));
        stored = await sifs.CreateAsync(10_000);
        if ((await server.Client().GetAsync("v1/containers/owner/safe/kept")).StatusCode == HttpStatusCode.NotFound)
        {
            await library.PushAsync("owner/safe/kept", stored, tags: "v1");
        }
        containerId = await library.EnsureContainerAsync("owner", "safe", "kept");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, string, string?, HttpStatusCode> BadRequests => new()
    {
        // Names in every position: upper case, dots in collections, traversal, empty, overlong, control characters.
        { "GET", "v1/images/owner/Safe/kept:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/sa.fe/kept:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/..:v1", null, HttpStatusCode.BadRequest },
        // Kestrel decodes and removes encoded dot segments before routing: what is left names nothing.
        { "GET", "v1/images/owner/%2E%2E/kept:v1", null, HttpStatusCode.NotFound },
        { "GET", "v1/images/owner/safe%5C..%5Ckept:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/%2E%2E:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/k%C3%A9pt:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/a/b/c/d:v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/" + new string('k', 200) + ":v1", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/kept:bad%20tag", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/kept:" + new string('t', 200), null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/kept:sha256.xyz", null, HttpStatusCode.BadRequest },
        { "GET", "v1/images/owner/safe/kept:v1?arch=sparc", null, HttpStatusCode.BadRequest },
        { "GET", "v1/collections/owner/UPPER", null, HttpStatusCode.BadRequest },
        { "GET", "v1/containers/owner/safe/Kept", null, HttpStatusCode.BadRequest },
        { "GET", "v1/entities/Owner", null, HttpStatusCode.BadRequest },
        { "GET", "v1/search?value=x", null, HttpStatusCode.BadRequest },
        { "GET", "v1/search?value=kept&signed=maybe", null, HttpStatusCode.BadRequest },
        { "GET", "v1/search?value=kept&arch=vax", null, HttpStatusCode.BadRequest },
        // Bodies: malformed, wrong types, empty, huge.
        { "POST", "v1/collections", "{not json", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "[1,2]", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "{\"name\":7}", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "{\"name\":\"has.dot\"}", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "{\"name\":\"Upper\"}", HttpStatusCode.BadRequest },
        { "POST", "v1/collections", "{\"name\":\"" + new string('a', 100_000) + "\"}", HttpStatusCode.RequestEntityTooLarge },
        { "POST", "v1/containers", "{\"name\":\"ok\",\"collection\":\"no-such-id\"}", HttpStatusCode.BadRequest },
        { "POST", "v1/images", "{\"hash\":\"md5.abc\",\"container\":\"x\"}", HttpStatusCode.BadRequest },
        { "POST", "v1/images", "{\"hash\":\"sha256.0000000000000000000000000000000000000000000000000000000000000000\",\"container\":\"nope\"}", HttpStatusCode.NotFound },
        { "POST", "v1/entities", "{\"name\":\"someone-else\"}", HttpStatusCode.Forbidden },
        { "POST", "v2/imagefile/no-such-image", "{\"filesize\":10}", HttpStatusCode.NotFound },
        { "POST", "v2/imagefile/no-such-image/_multipart", "{\"filesize\":10}", HttpStatusCode.NotFound },
        { "PUT", "v2/imagefile/no-such-image/_multipart", "{\"partSize\":1,\"uploadID\":\"x\",\"partNumber\":1}", HttpStatusCode.NotFound },
        { "PUT", "_blobs/up/abc?t=forged", "bytes", HttpStatusCode.Forbidden },
        { "PUT", "_blobs/part/abc/1?t=forged", "bytes", HttpStatusCode.Forbidden },
        { "GET", "_blobs/dl/abc?t=forged", null, HttpStatusCode.NotFound },
        { "GET", "_blobs/dl/abc", null, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_request_gets_json_error_and_changes_nothing(string method, string path, string? body, HttpStatusCode expected)
    {
        var before = await SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8) { Headers = { ContentType = null } };
        }
        await LibraryProtocol.ErrorAsync(await library.Http.SendAsync(request), expected);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("POST", "v1/collections", "{\"name\":\"fresh\"}")]
    [InlineData("POST", "v1/entities", "{\"name\":\"owner\"}")]
    [InlineData("DELETE", "v1/images/owner/safe/kept:v1?arch=amd64", null)]
    [InlineData("POST", "v2/imagefile/x", "{\"filesize\":1}")]
    public async Task Writes_without_a_valid_token_are_401(string method, string path, string? body)
    {
        foreach (var client in new[] { server.Client(), server.Client("sreg_forged"), SchemeClient("Basic dXNlcjpwYXNz"), SchemeClient("Bearer") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = new StringContent(body) { Headers = { ContentType = null } };
            }
            await LibraryProtocol.ErrorAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
        }
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("v1/images/owner/safe/kept:v1?arch=amd64")).StatusCode);
    }

    [Fact]
    public async Task Nul_in_a_path_is_rejected_before_it_reaches_the_registry()
    {
        // Kestrel refuses the request line itself (400, no body): nothing of ours runs, so nothing can change.
        var before = await SnapshotAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await library.Http.GetAsync("v1/images/owner/safe/ke%00pt:v1")).StatusCode);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Reads_with_a_bad_token_are_served_as_anonymous()
    {
        var response = await server.Client("sreg_forged").GetAsync("v1/images/owner/safe/kept:v1?arch=amd64");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Upload_with_a_wrong_hash_is_refused_and_image_stays_not_uploaded()
    {
        var real = await sifs.CreateAsync(5_000);
        var other = await sifs.CreateAsync(5_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, other.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = real.Size, sha256sum = other.Hash[7..] })));
        using var anonymous = new HttpClient();
        var put = await anonymous.PutAsync((string)start["uploadURL"]!, new ByteArrayContent(await File.ReadAllBytesAsync(real.Path)));
        Assert.Contains("hashes to", await RefusalAsync(put, imageId), StringComparison.Ordinal);
        await LibraryProtocol.ErrorAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })), HttpStatusCode.Conflict);
        var image = await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v1/images/owner/safe/kept:{other.Hash}"));
        Assert.False((bool)image["uploaded"]!);
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Sha256sum_that_is_not_the_images_hash_is_refused_before_upload()
    {
        var sif = await sifs.CreateAsync(5_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var response = await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = new string('0', 64) }));
        await LibraryProtocol.ErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Truncated_and_oversized_uploads_are_refused_and_leave_nothing()
    {
        var sif = await sifs.CreateAsync(8_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        using var anonymous = new HttpClient();
        foreach (var body in new[] { bytes[..^100], [.. bytes, .. new byte[50]] })
        {
            var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
                LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
            var put = await anonymous.PutAsync((string)start["uploadURL"]!, new ByteArrayContent(body));
            if (TestBackends.OnS3)
            {
                // The URL is signed with the declared Content-Length: the store refuses any other length, so nothing lands.
                Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
                await LibraryProtocol.ErrorAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })),
                    HttpStatusCode.Conflict);
            }
            else
            {
                await RefusalAsync(put, imageId);
            }
        }
        if (TestBackends.OnS3)
        {
            // The app never sees the store refuse a PUT, so those sessions wait for the expiry sweep, which clears them
            // (and the never-uploaded image record with them, so the proper push below starts from a new record).
            server.Clock.Advance(TimeSpan.FromDays(1));
            try
            {
                await server.InScopeAsync(sp => sp.GetRequiredService<UploadExpiry>().ExpireAsync());
            }
            finally
            {
                server.Clock.Advance(-TimeSpan.FromDays(1));
            }
            (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        }
        await AssertNoLeftoversAsync();
        // The same image can then be pushed properly.
        await library.UploadSingleAsync(imageId, sif.Path, sif.Hash);
    }

    [Fact]
    public async Task Upload_url_is_accepted_once()
    {
        Assert.SkipWhen(TestBackends.OnS3, "a presigned S3 URL takes any number of PUTs until it expires; completion verifies whatever it holds");
        var sif = await sifs.CreateAsync(6_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
        using var anonymous = new HttpClient();
        var url = (string)start["uploadURL"]!;
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync(url, new ByteArrayContent(await File.ReadAllBytesAsync(sif.Path)))).StatusCode);
        await LibraryProtocol.ErrorAsync(await anonymous.PutAsync(url, new ByteArrayContent(await File.ReadAllBytesAsync(sif.Path))), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_file_that_is_not_sif_is_refused_with_a_clear_message()
    {
        var notSif = await sifs.CreateNotSifAsync(4_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, notSif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = notSif.Size, sha256sum = notSif.Hash[7..] })));
        using var anonymous = new HttpClient();
        var put = await anonymous.PutAsync((string)start["uploadURL"]!, new ByteArrayContent(await File.ReadAllBytesAsync(notSif.Path)));
        Assert.Contains("SIF", await RefusalAsync(put, imageId), StringComparison.Ordinal);
        Assert.Equal(0, await server.BlobCopiesAsync(notSif.Hash));
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Part_uploaded_twice_replaces_it_and_stale_tokens_are_refused()
    {
        Assert.SkipWhen(TestBackends.OnS3, "S3 ETags name a part's content: the same bytes sent again get the same ETag, so no token goes stale");
        var sif = await sifs.CreateAsync(7 * 1024 * 1024);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var uploadId = (string)plan["uploadID"]!;
        var partSize = (long)plan["partSize"]!;
        Assert.Equal(2, (int)plan["totalParts"]!);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        using var anonymous = new HttpClient();
        async Task<string> PutPart(int number, byte[] data)
        {
            var url = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
                LibraryProtocol.Json(new { partSize = data.Length, uploadID = uploadId, partNumber = number, sha256sum = "" })));
            var put = await anonymous.PutAsync((string)url["presignedURL"]!, new ByteArrayContent(data));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            return put.Headers.ETag!.ToString();
        }
        var first = await PutPart(1, bytes[..(int)partSize]);
        await Task.Delay(5);
        var again = await PutPart(1, bytes[..(int)partSize]);
        Assert.NotEqual(first, again);
        var second = await PutPart(2, bytes[(int)partSize..]);
        var stale = await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete", LibraryProtocol.Json(new
        {
            uploadID = uploadId, completedParts = new[] { new { partNumber = 1, token = first }, new { partNumber = 2, token = second } },
        }));
        await LibraryProtocol.ErrorAsync(stale, HttpStatusCode.BadRequest);
        var done = await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete", LibraryProtocol.Json(new
        {
            uploadID = uploadId, completedParts = new[] { new { partNumber = 1, token = again }, new { partNumber = 2, token = second } },
        }));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(sif.Size, await server.BlobSizeAsync(sif.Hash));
    }

    [Fact]
    public async Task Multipart_with_wrong_part_size_number_or_missing_parts_is_refused()
    {
        var sif = await sifs.CreateAsync(6 * 1024 * 1024);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var uploadId = (string)plan["uploadID"]!;
        foreach (var (size, number) in new[] { (123L, 1), (5L * 1024 * 1024, 0), (5L * 1024 * 1024, 3), (5L * 1024 * 1024, -1) })
        {
            var response = await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
                LibraryProtocol.Json(new { partSize = size, uploadID = uploadId, partNumber = number, sha256sum = "" }));
            await LibraryProtocol.ErrorAsync(response, HttpStatusCode.BadRequest);
        }
        var incomplete = await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete",
            LibraryProtocol.Json(new { uploadID = uploadId, completedParts = Array.Empty<object>() }));
        Assert.Contains("missing", await LibraryProtocol.ErrorAsync(incomplete, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var abort = await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_abort", LibraryProtocol.Json(new { uploadID = uploadId }));
        Assert.Equal(HttpStatusCode.OK, abort.StatusCode);
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Download_of_an_image_that_never_finished_uploading_is_not_found()
    {
        var sif = await sifs.CreateAsync(3_000);
        await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        var response = await library.Http.GetAsync($"v1/imagefile/owner/safe/kept:{sif.Hash}?arch=amd64");
        Assert.Contains("not finished", await LibraryProtocol.ErrorAsync(response, HttpStatusCode.NotFound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tagging_an_image_that_is_not_uploaded_or_not_in_the_container_is_refused()
    {
        var sif = await sifs.CreateAsync(3_000);
        var (imageId, _) = await library.EnsureImageAsync("owner/safe/kept", containerId, sif.Hash);
        await LibraryProtocol.ErrorAsync(await library.Http.PostAsync($"v2/tags/{containerId}",
            LibraryProtocol.Json(new { Arch = "amd64", Tag = "t", ImageID = imageId })), HttpStatusCode.BadRequest);
        await LibraryProtocol.ErrorAsync(await library.Http.PostAsync($"v2/tags/{containerId}",
            LibraryProtocol.Json(new { Arch = "amd64", Tag = "bad tag", ImageID = imageId })), HttpStatusCode.BadRequest);
        await LibraryProtocol.ErrorAsync(await library.Http.PostAsync($"v2/tags/{containerId}",
            LibraryProtocol.Json(new { Arch = "amd64", Tag = "t", ImageID = "elsewhere" })), HttpStatusCode.BadRequest);
        await LibraryProtocol.ErrorAsync(await library.Http.PostAsync($"v2/tags/{containerId}",
            LibraryProtocol.Json(new { Arch = "amd64", Tag = "sha256.abc", ImageID = imageId })), HttpStatusCode.BadRequest);
    }

    private HttpClient SchemeClient(string authorization)
    {
        var client = server.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return client;
    }

    /// <summary>What a client can observe of the stored image: any change here means a bad request damaged something.</summary>
    private async Task<string> SnapshotAsync()
    {
        var image = await server.Client().GetStringAsync("v1/images/owner/safe/kept:v1?arch=amd64");
        var tags = await library.Http.GetStringAsync($"v2/tags/{containerId}");
        var blobs = TestBackends.OnS3
            ? string.Join(',', (await S3Buckets.KeysAsync(server.Backends.Bucket!, "blobs/")).Order())
            : string.Join(',', Directory.GetFiles(Path.Combine(server.DataPath, "blobs"), "*", SearchOption.AllDirectories).Order());
        return image + tags + blobs;
    }

    /// <summary>
    /// The error for bad bytes: the upload URL refuses them when they come through the registry; with an object store
    /// the store takes them and completion (U4) refuses them after reading them back.
    /// </summary>
    private async Task<string> RefusalAsync(HttpResponseMessage put, string imageId)
    {
        if (!TestBackends.OnS3)
        {
            return await LibraryProtocol.ErrorAsync(put, HttpStatusCode.BadRequest);
        }
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return await LibraryProtocol.ErrorAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })),
            HttpStatusCode.BadRequest);
    }

    private async Task AssertNoLeftoversAsync() => Assert.Equal(0, await server.LeftoverUploadsAsync());

    public void Dispose() => sifs.Dispose();
}
