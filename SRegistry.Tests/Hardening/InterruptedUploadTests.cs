using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Uploads;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>A client that goes away mid-upload leaves nothing visible, can push again at once, and its leftovers expire.</summary>
public sealed class InterruptedUploadTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public InterruptedUploadTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Single_part_upload_cut_off_midway_leaves_nothing_and_can_be_pushed_again()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("cutoff")));
        var sif = await sifs.CreateAsync(3 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("cutoff", "cut", "img");
        var (imageId, _) = await library.EnsureImageAsync("cutoff/cut/img", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));

        await SendThenDisconnectAsync((string)start["uploadURL"]!, sif.Path, sif.Size, cutAfter: 1024 * 1024);

        await WaitForNoUploadFilesAsync();
        await LibraryProtocol.ErrorAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })), HttpStatusCode.Conflict);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/images/cutoff/cut/img:latest?arch=amd64"), HttpStatusCode.NotFound);
        Assert.Equal(0, await server.BlobCopiesAsync(sif.Hash));

        await library.PushAsync("cutoff/cut/img", sif);
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("cutoff/cut/img"));
    }

    [Fact]
    public async Task Multipart_upload_abandoned_after_a_part_expires_and_is_cleaned_up()
    {
        Assert.SkipWhen(TestBackends.OnS3, FolderOnly);
        var (library, sif, uploadId) = await CutOffFirstPartAsync("quitter", "halfway");

        // The client died: nothing is visible, and the half-written upload is still on disk until it expires.
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/images/quitter/halfway/img:latest?arch=amd64"), HttpStatusCode.NotFound);
        var leftover = Path.Combine(UploadsFolder, uploadId + ".upload");
        Assert.True(File.Exists(leftover));
        await WaitUntilIdleAsync(uploadId);
        server.Clock.Advance(TimeSpan.FromDays(1));
        try
        {
            Assert.True(await server.InScopeAsync(sp => sp.GetRequiredService<UploadExpiry>().ExpireAsync()) >= 1);
        }
        finally
        {
            server.Clock.Advance(-TimeSpan.FromDays(1));
        }
        Assert.False(File.Exists(leftover));

        // A fresh push of the same image works straight away.
        await library.PushAsync("quitter/halfway/img", sif, multipart: true);
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("quitter/halfway/img", partSize: 4 * 1024 * 1024));
    }

    [Fact]
    public async Task Multipart_upload_cut_off_mid_part_can_be_pushed_again_at_once_and_its_leftover_expires()
    {
        Assert.SkipWhen(TestBackends.OnS3, FolderOnly);
        var (library, sif, uploadId) = await CutOffFirstPartAsync("eager", "eager");

        // No waiting: the client runs the push again straight away, and it goes through.
        await library.PushAsync("eager/eager/img", sif, multipart: true);
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("eager/eager/img", partSize: 4 * 1024 * 1024));

        // What the first attempt left behind goes with the next cleanup after it expires.
        var leftover = Path.Combine(UploadsFolder, uploadId + ".upload");
        await WaitUntilIdleAsync(uploadId);
        server.Clock.Advance(TimeSpan.FromDays(1));
        try
        {
            await server.InScopeAsync(sp => sp.GetRequiredService<UploadExpiry>().ExpireAsync());
        }
        finally
        {
            server.Clock.Advance(-TimeSpan.FromDays(1));
        }
        Assert.False(File.Exists(leftover));
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("eager/eager/img"));
    }

    [Fact]
    public async Task A_new_push_replaces_an_interrupted_one_for_the_same_image()
    {
        Assert.SkipWhen(TestBackends.OnS3, FolderOnly);
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("retry")));
        var sif = await sifs.CreateAsync(6 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("retry", "again", "img");
        var (imageId, _) = await library.EnsureImageAsync("retry/again/img", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var interrupted = Path.Combine(UploadsFolder, (string)plan["uploadID"]! + ".upload");
        Assert.True(File.Exists(interrupted));
        // Quiet for a while: abandoned, not a second client pushing the same file at the same moment.
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        try
        {
            await library.PushAsync("retry/again/img", sif, multipart: true);
        }
        finally
        {
            server.Clock.Advance(-TimeSpan.FromMinutes(2));
        }
        Assert.False(File.Exists(interrupted));
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("retry/again/img"));
    }

    // With S3 the parts go to the store, not the app's uploads folder; ObjectStoreTests covers their expiry there.
    private const string FolderOnly = "with S3 the bytes never reach the app's uploads folder these tests watch";

    private string UploadsFolder => Path.Combine(server.DataPath, "uploads");

    /// <summary>The server notices a reset connection a moment later (seconds on a loaded machine); until then the part is being received.</summary>
    private async Task WaitUntilIdleAsync(string uploadId)
    {
        var gates = server.Services.GetRequiredService<UploadGates>();
        for (var i = 0; i < 600 && gates.IsBusy(uploadId); i++)
        {
            await Task.Delay(50);
        }
        Assert.False(gates.IsBusy(uploadId), "the server still receives the cut-off part after 30 s");
    }

    private async Task WaitForNoUploadFilesAsync()
    {
        // The server notices the reset connection a moment after the client gives up.
        for (var i = 0; i < 600 && Directory.GetFiles(UploadsFolder, "*.upload").Length > 0; i++)
        {
            await Task.Delay(50);
        }
        Assert.Empty(Directory.GetFiles(UploadsFolder, "*.upload"));
    }

    /// <summary>Starts a multipart push of an 11 MiB image as USER/COLLECTION/img and dies 2 MiB into its first part.</summary>
    private async Task<(LibraryProtocol Library, (string Path, string Hash, long Size) Sif, string UploadId)> CutOffFirstPartAsync(
        string user, string collection)
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync(user)));
        var sif = await sifs.CreateAsync(11 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync(user, collection, "img");
        var (imageId, _) = await library.EnsureImageAsync($"{user}/{collection}/img", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var partSize = (long)plan["partSize"]!;
        var url = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { partSize, uploadID = (string)plan["uploadID"]!, partNumber = 1, sha256sum = "" })));
        await SendThenDisconnectAsync((string)url["presignedURL"]!, sif.Path, partSize, cutAfter: 2 * 1024 * 1024);
        return (library, sif, (string)plan["uploadID"]!);
    }

    /// <summary>Declares the full length, sends part of it, then drops the connection, as a killed client would.</summary>
    private static async Task SendThenDisconnectAsync(string url, string path, long declaredLength, long cutAfter)
    {
        using var client = new HttpClient();
        await using var file = File.OpenRead(path);
        var content = new StreamContent(new ClientBodyStream(file, cutAfter));
        content.Headers.ContentLength = declaredLength;
        await Assert.ThrowsAnyAsync<Exception>(() => client.PutAsync(url, content));
    }

    public void Dispose() => sifs.Dispose();
}
