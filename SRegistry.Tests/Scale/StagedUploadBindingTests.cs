using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Scale;

/// <summary>
/// On the real radosgw, what is published is exactly what was verified: the copy into the store is conditional on the
/// ETag read during verification, upload URLs are signed for the declared size, and they stop working once the
/// upload is completed, so bytes cannot be swapped in between or added afterwards.
/// </summary>
public sealed class StagedUploadBindingTests : IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer().WithPartSize(5);
    private readonly SifFiles sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TestBackends.OnS3, "needs SREG_TEST_S3 (test.sh's second pass)");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        _ = server.BaseUrl;
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Bytes_swapped_in_after_verification_are_not_published()
    {
        using var store = new S3BlobStore(server.Services.GetRequiredService<IOptions<BlobStoreOptions>>(), new TransferCounters());
        var staging = new S3StagingArea(store);
        var verified = RandomNumberGenerator.GetBytes(64 * 1024);
        var swapped = RandomNumberGenerator.GetBytes(64 * 1024);
        var url = staging.PresignSingleUpload("swaptest", null, verified.Length, TimeSpan.FromMinutes(5));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync(url, new ByteArrayContent(verified))).StatusCode);
        var staged = await staging.ReadStagedAsync("swaptest", 16);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync(url, new ByteArrayContent(swapped))).StatusCode);

        await Assert.ThrowsAsync<StagedObjectChangedException>(() => staging.PublishStagedAsync("swaptest", staged));

        Assert.Null(await store.GetSizeAsync(staged.Sha256Hex));
    }

    [Fact]
    public async Task A_single_part_url_takes_exactly_the_declared_size_and_dies_with_the_completed_upload()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("sizer")));
        var sif = await sifs.CreateAsync(200_000);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        var containerId = await library.EnsureContainerAsync("sizer", "sized", "single");
        var (imageId, _) = await library.EnsureImageAsync("sizer/sized/single", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
        var url = (string)start["uploadURL"]!;
        using var anonymous = new HttpClient();

        var longer = await anonymous.PutAsync(url, new ByteArrayContent([.. bytes, .. new byte[1024]]));
        var shorter = await anonymous.PutAsync(url, new ByteArrayContent(bytes[..^1]));
        var exact = await anonymous.PutAsync(url, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Forbidden, longer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, shorter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
        await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })));

        var replay = await anonymous.PutAsync(url, new ByteArrayContent(bytes));

        Assert.False(replay.IsSuccessStatusCode, $"a completed upload's URL still took bytes: {(int)replay.StatusCode}");
        Assert.Equal(0, await server.LeftoverUploadsAsync());
        Assert.Equal(sif.Size, await server.BlobSizeAsync(sif.Hash));
    }

    [Fact]
    public async Task A_part_url_takes_exactly_the_parts_size_and_dies_with_the_completed_upload()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("parter")));
        var sif = await sifs.CreateAsync((11 * 1024 * 1024) + 5);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        var containerId = await library.EnsureContainerAsync("parter", "parted", "multi");
        var (imageId, _) = await library.EnsureImageAsync("parter/parted/multi", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var (uploadId, partSize, totalParts) = ((string)plan["uploadID"]!, (int)(long)plan["partSize"]!, (int)plan["totalParts"]!);
        using var anonymous = new HttpClient();
        var urls = new List<string>();
        var completed = new List<object>();
        for (var part = 1; part <= totalParts; part++)
        {
            var body = bytes[((part - 1) * partSize)..Math.Min(bytes.Length, part * partSize)];
            var url = (string)(await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
                LibraryProtocol.Json(new { partSize = body.Length, uploadID = uploadId, partNumber = part, sha256sum = "" }))))["presignedURL"]!;
            if (part == 1)
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PutAsync(url, new ByteArrayContent([.. body, 0]))).StatusCode);
            }
            var put = await anonymous.PutAsync(url, new ByteArrayContent(body));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            urls.Add(url);
            completed.Add(new { partNumber = part, token = put.Headers.ETag?.ToString() ?? "" });
        }
        await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete",
            LibraryProtocol.Json(new { uploadID = uploadId, completedParts = completed })));

        var replay = await anonymous.PutAsync(urls[0], new ByteArrayContent(bytes[..partSize]));

        Assert.False(replay.IsSuccessStatusCode);
        Assert.Equal(0, await server.LeftoverUploadsAsync());
        Assert.Equal(sif.Hash[7..], await library.PullAsync($"parter/parted/multi:{sif.Hash}"));
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}
