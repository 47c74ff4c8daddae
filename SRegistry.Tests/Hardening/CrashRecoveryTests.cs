using System.Net;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The server killed with <c>kill -9</c> in the middle of an upload and of tag changes, then started again on the same
/// data folder: the database and the blob store agree, nothing half-written is served, existing images are intact,
/// and the interrupted push can simply be run again.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime, IDisposable
{
    private readonly RegistryProcess registry = new RegistryProcess()
        .With("Registry__PartSizeBytes", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
    private readonly SifFiles sifs = new();
    private string token = "";
    private (string Path, string Hash, long Size) kept;

    public CrashRecoveryTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    public async ValueTask InitializeAsync()
    {
        token = await registry.CreateTokenAsync("crash");
        await registry.StartAsync();
        kept = await sifs.CreateAsync(300_000);
        await Library().PushAsync("crash/crash/kept", kept, tags: "v1");
    }

    private LibraryProtocol Library() => new(registry.Client(token));

    [Fact]
    public async Task Killed_during_a_single_part_upload_the_restarted_registry_is_consistent_and_the_push_can_be_retried()
    {
        var sif = await sifs.CreateAsync(8 * 1024 * 1024);
        var library = Library();
        var containerId = await library.EnsureContainerAsync("crash", "crash", "single");
        var (imageId, _) = await library.EnsureImageAsync("crash/crash/single", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));

        await KillWhileSendingAsync((string)start["uploadURL"]!, sif.Path, 0, sif.Size, sendBeforeKill: 3 * 1024 * 1024);

        await AssertRecoveredAsync(sif, "crash/crash/single", imageId);
    }

    [Fact]
    public async Task Killed_in_the_middle_of_a_multipart_upload_the_restarted_registry_is_consistent_and_the_push_can_be_retried()
    {
        var sif = await sifs.CreateAsync(12 * 1024 * 1024);
        var library = Library();
        var containerId = await library.EnsureContainerAsync("crash", "crash", "multi");
        var (imageId, _) = await library.EnsureImageAsync("crash/crash/multi", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var (uploadId, partSize) = ((string)plan["uploadID"]!, (long)plan["partSize"]!);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        using (var anonymous = new HttpClient())
        {
            var first = await PartUrlAsync(library, imageId, uploadId, 1, partSize);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync(first, new ByteArrayContent(bytes[..(int)partSize]))).StatusCode);
        }
        var second = await PartUrlAsync(library, imageId, uploadId, 2, partSize);

        await KillWhileSendingAsync(second, sif.Path, partSize, partSize, sendBeforeKill: 2 * 1024 * 1024);

        await AssertRecoveredAsync(sif, "crash/crash/multi", imageId, multipart: true);
    }

    [Fact]
    public async Task Killed_while_tags_are_moving_the_restarted_registry_has_one_consistent_tag()
    {
        var (a, b) = (await sifs.CreateAsync(200_000), await sifs.CreateAsync(200_000));
        var library = Library();
        var idA = await library.PushAsync("crash/crash/moving", a, tags: "latest");
        var idB = await library.PushAsync("crash/crash/moving", b, tags: "other");
        var containerId = await library.EnsureContainerAsync("crash", "crash", "moving");
        var moved = 0;
        using var stop = new CancellationTokenSource();
        var movers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            using var client = registry.Client(token);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var target = (n + worker) % 2 == 0 ? idA : idB;
                try
                {
                    await client.PostAsync($"v2/tags/{containerId}", LibraryProtocol.Json(new { Arch = "amd64", Tag = n % 3 == 0 ? $"w{worker}-{n}" : "latest", ImageID = target }));
                    Interlocked.Increment(ref moved);
                }
                catch (HttpRequestException)
                {
                    return; // the server is gone
                }
            }
        })).ToList();
        while (Volatile.Read(ref moved) < 60)
        {
            await Task.Delay(20);
        }

        registry.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(movers);
        await registry.StartAsync();

        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(registry.DataPath));
        library = Library();
        var tags = (await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v2/tags/{containerId}")))["amd64"]!.AsObject();
        Assert.All(tags, tag => Assert.Contains((string)tag.Value!, new[] { idA, idB }));
        var latest = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/crash/crash/moving:latest?arch=amd64"));
        Assert.Equal((string)tags["latest"]!, (string)latest["id"]!);
        Assert.Equal((string)latest["hash"]!, "sha256." + await library.PullAsync("crash/crash/moving:latest"));
        await library.SetTagAsync(containerId, idB, "latest");
        Assert.Equal(b.Hash, "sha256." + await library.PullAsync("crash/crash/moving:latest"));
    }

    /// <summary>Restart, then: store and database agree, the unfinished image is not served, the old one is intact, the push works again.</summary>
    private async Task AssertRecoveredAsync((string Path, string Hash, long Size) sif, string reference, string imageId, bool multipart = false)
    {
        await registry.StartAsync();

        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(registry.DataPath));
        var library = Library();
        var image = await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v1/images/{reference}:{sif.Hash}"));
        Assert.Equal(imageId, (string)image["id"]!);
        Assert.False((bool)image["uploaded"]!);
        Assert.False(File.Exists(StoreFingerprint.BlobPath(registry.DataPath, sif.Hash)));
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync($"v1/imagefile/{reference}:{sif.Hash}?arch=amd64"), HttpStatusCode.NotFound);
        Assert.Equal(kept.Hash, "sha256." + await library.PullAsync("crash/crash/kept:v1"));

        Assert.Equal(imageId, await library.PushAsync(reference, sif, multipart: multipart, tags: "retried"));
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync($"{reference}:retried"));
        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(registry.DataPath));
    }

    private static async Task<string> PartUrlAsync(LibraryProtocol library, string imageId, string uploadId, int part, long size)
    {
        var url = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { partSize = size, uploadID = uploadId, partNumber = part, sha256sum = "" })));
        return (string)url["presignedURL"]!;
    }

    /// <summary>Declares <paramref name="length"/> bytes from <paramref name="offset"/>, sends some, and kills the server while the rest is awaited.</summary>
    private async Task KillWhileSendingAsync(string url, string path, long offset, long length, long sendBeforeKill)
    {
        var (sent, killed) = (new TaskCompletionSource(), new TaskCompletionSource());
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var content = new StallingContent(path, offset, length, sendBeforeKill, sent, killed.Task);
        var put = client.PutAsync(url, content);
        await sent.Task.WaitAsync(TimeSpan.FromMinutes(1));
        // Let the server write what arrived: the kill then lands in the middle of the file.
        await Task.Delay(300);
        registry.Kill();
        // The client notices only when it tries to send the rest.
        killed.SetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => put);
    }

    private sealed class StallingContent(string path, long offset, long length, long sendBeforeStall, TaskCompletionSource sent, Task resume)
        : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var file = File.OpenRead(path);
            file.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[sendBeforeStall];
            await file.ReadExactlyAsync(buffer, cancellationToken);
            await stream.WriteAsync(buffer, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            sent.TrySetResult();
            await resume.WaitAsync(cancellationToken);
            throw new IOException("the client gives up: the server is gone");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }

    public async ValueTask DisposeAsync() => await registry.DisposeAsync();

    public void Dispose() => sifs.Dispose();
}
