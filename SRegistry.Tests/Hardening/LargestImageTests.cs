using System.Globalization;
using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The largest image the registry accepts can be pushed to the end: the multipart completion body, which lists every
/// part, is sized from <c>MaxImageBytes / PartSizeBytes</c>, and a plan the store could not complete is refused at start.
/// A 4 KiB part size makes an image of over a thousand parts a few MiB.
/// </summary>
public sealed class LargestImageTests : IAsyncDisposable
{
    private const long PartBytes = 4096;
    private const long MaxParts = 1600;
    private readonly RegistryServer server = new RegistryServer()
        .With("Registry:PartSizeBytes", PartBytes.ToString(CultureInfo.InvariantCulture))
        .With("Registry:MaxImageBytes", (PartBytes * MaxParts).ToString(CultureInfo.InvariantCulture));
    private readonly SifFiles sifs = new();

    [Fact]
    public async Task An_image_of_nearly_the_maximum_part_count_completes_and_pulls_back()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        Assert.SkipWhen(TestBackends.OnS3, "S3 parts are at least 5 MiB; the S3 pass checks the part limit at start instead");
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("largest")));
        var sif = await sifs.CreateAsync((PartBytes * MaxParts) - (64 * 1024));
        Assert.True(sif.Size <= PartBytes * MaxParts);
        var parts = (sif.Size + PartBytes - 1) / PartBytes;
        Assert.True(parts > 1500, $"only {parts} parts");

        await library.PushAsync("largest/largest/big", sif, multipart: true);

        Assert.Equal(sif.Hash[7..], await library.PullAsync("largest/largest/big:latest"));
    }

    [Fact]
    public async Task An_image_over_the_maximum_is_refused_at_multipart_start()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("largest")));
        var containerId = await library.EnsureContainerAsync("largest", "largest", "over");
        var (imageId, _) = await library.EnsureImageAsync("largest/largest/over", containerId, "sha256." + new string('a', 64));

        var start = await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart", LibraryProtocol.Json(new { filesize = (PartBytes * MaxParts) + 1 }));

        Assert.Contains("at most", await LibraryProtocol.ErrorAsync(start, HttpStatusCode.BadRequest));
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}

/// <summary>On an S3 store, a multipart plan over its 10,000 parts would fail at completion: it is refused at start.</summary>
public sealed class ObjectStorePartLimitTests : IAsyncDisposable
{
    private readonly RegistryServer server = new RegistryServer()
        .With("Registry:MaxImageBytes", (200L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture))
        .WithPartSize(5);

    [Fact]
    public async Task A_plan_of_more_parts_than_the_store_completes_is_refused_before_any_byte_is_sent()
    {
        Assert.SkipUnless(TestBackends.OnS3, "needs SREG_TEST_S3");
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("parts")));
        var containerId = await library.EnsureContainerAsync("parts", "parts", "huge");
        var (imageId, _) = await library.EnsureImageAsync("parts/parts/huge", containerId, "sha256." + new string('b', 64));

        var tooMany = await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = 10_001L * 5 * 1024 * 1024 }));
        var fits = await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = 10_000L * 5 * 1024 * 1024 }));

        Assert.Contains("10000 parts", await LibraryProtocol.ErrorAsync(tooMany, HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
