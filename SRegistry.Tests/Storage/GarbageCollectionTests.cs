using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Storage;

/// <summary>
/// Garbage collection of unreferenced blobs on a real data folder: the dry run says exactly what the run frees, and no
/// blob an image references goes, including the bytes of a push caught between landing and being published.
/// One server per test: every test counts all blobs in the store.
/// </summary>
public sealed class GarbageCollectionTests : IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer().WithPartSize(5);
    private readonly SifFiles sifs = new();
    private LibraryProtocol library = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("gina")));
    }

    [Fact]
    public async Task The_dry_run_reports_exactly_what_the_real_run_then_frees_and_referenced_blobs_stay()
    {
        var shared = await sifs.CreateAsync(120_000);
        var own = await sifs.CreateAsync(80_000);
        await library.PushAsync("gina/gc1/a", shared);
        await library.PushAsync("gina/gc2/a", shared);
        await library.PushAsync("gina/gc1/b", own);
        var lost = new[] { await sifs.CreateAsync(50_000), await sifs.CreateAsync(70_000) };
        foreach (var sif in lost)
        {
            await library.PushAsync("gina/gc1/lost", sif);
        }
        // A crash between deleting the image rows and their files leaves the files behind.
        await InDatabaseAsync(db => db.Images.Where(i => i.Container!.Name == "lost").ExecuteDeleteAsync());

        var dryRun = await CollectAsync(dryRun: true);
        var run = await CollectAsync(dryRun: false);

        Assert.Equal(new GarbageReport(true, 2, lost.Sum(s => s.Size), 2), dryRun);
        Assert.Equal(dryRun with { DryRun = false }, run);
        foreach (var sif in lost)
        {
            Assert.False(await BlobExistsAsync(sif.Hash));
        }
        Assert.True(await BlobExistsAsync(shared.Hash) && await BlobExistsAsync(own.Hash));
        Assert.Equal(shared.Hash, "sha256." + await library.PullAsync("gina/gc2/a"));
        Assert.Equal(own.Hash, "sha256." + await library.PullAsync("gina/gc1/b"));
        Assert.Equal(new GarbageReport(true, 0, 0, 2), await CollectAsync(dryRun: true));
    }

    [Fact]
    public async Task Bytes_that_landed_for_a_push_not_yet_completed_are_kept_and_the_push_completes()
    {
        Assert.SkipWhen(TestBackends.OnS3, "with S3 an unfinished push's bytes are staged outside the blobs and become one only at completion");
        var sif = await sifs.CreateAsync(300_000);
        var containerId = await library.EnsureContainerAsync("gina", "landing", "img");
        var (imageId, _) = await library.EnsureImageAsync("gina/landing/img", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
        using (var anonymous = new HttpClient())
        await using (var file = File.OpenRead(sif.Path))
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync((string)start["uploadURL"]!, new StreamContent(file))).StatusCode);
        }
        Assert.True(await BlobExistsAsync(sif.Hash), "single-part bytes land in the store before the client's completion call");

        Assert.Equal(new GarbageReport(true, 0, 0, 1), await CollectAsync(dryRun: true));
        Assert.Equal(new GarbageReport(false, 0, 0, 1), await CollectAsync(dryRun: false));

        await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { })));
        await library.SetTagAsync(containerId, imageId, "latest");
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("gina/landing/img"));
    }

    [Fact]
    public async Task A_multipart_push_with_its_parts_received_survives_a_collection_and_completes()
    {
        var sif = await sifs.CreateAsync(11 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("gina", "parts", "img");
        var (imageId, _) = await library.EnsureImageAsync("gina/parts/img", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart", LibraryProtocol.Json(new { filesize = sif.Size })));
        var (uploadId, partSize, totalParts) = ((string)plan["uploadID"]!, (long)plan["partSize"]!, (int)plan["totalParts"]!);
        var completed = new List<object>();
        await using (var file = File.OpenRead(sif.Path))
        using (var anonymous = new HttpClient())
        {
            for (var part = 1; part <= totalParts; part++)
            {
                var buffer = new byte[Math.Min(partSize, sif.Size - ((part - 1) * partSize))];
                await file.ReadExactlyAsync(buffer);
                var url = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
                    LibraryProtocol.Json(new { partSize = buffer.Length, uploadID = uploadId, partNumber = part, sha256sum = "" })));
                var put = await anonymous.PutAsync((string)url["presignedURL"]!, new ByteArrayContent(buffer));
                completed.Add(new { partNumber = part, token = put.Headers.ETag?.ToString() ?? "" });
                // Between every part, as a collection started at any moment would.
                Assert.Equal(0, (await CollectAsync(dryRun: false)).Blobs);
            }
        }

        await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete",
            LibraryProtocol.Json(new { uploadID = uploadId, completedParts = completed })));
        await library.SetTagAsync(containerId, imageId, "latest");
        Assert.Equal(0, (await CollectAsync(dryRun: false)).Blobs);
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("gina/parts/img", partSize: 4 * 1024 * 1024));
    }

    [Fact]
    public async Task Collections_running_back_to_back_never_remove_bytes_that_concurrent_pushes_and_deletes_use()
    {
        using var stop = new CancellationTokenSource();
        var collections = 0;
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await CollectAsync(dryRun: false);
                collections++;
            }
        });
        var shared = await sifs.CreateAsync(200_000);
        var pushes = Enumerable.Range(0, 4).Select(async n =>
        {
            var mine = await sifs.CreateAsync(n % 2 == 0 ? 6 * 1024 * 1024 : 150_000);
            for (var round = 0; round < 3; round++)
            {
                await library.PushAsync($"gina/race{n}/own", mine, multipart: n % 2 == 0);
                await library.PushAsync($"gina/race{n}/shared", shared);
                Assert.Equal(mine.Hash, "sha256." + await library.PullAsync($"gina/race{n}/own", partSize: 4 * 1024 * 1024));
                Assert.Equal(shared.Hash, "sha256." + await library.PullAsync($"gina/race{n}/shared"));
                // Deleting one copy of the shared bytes while the others are pushed and pulled.
                Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync($"v1/images/gina/race{n}/shared:latest?arch=amd64")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync($"v1/images/gina/race{n}/own:latest?arch=amd64")).StatusCode);
            }
        }).ToList();
        await Task.WhenAll(pushes);
        await stop.CancelAsync();
        await collector;

        Assert.True(collections > 0);
        Assert.Equal(0, (await CollectAsync(dryRun: true)).Blobs);
        Assert.Equal(0, await StoredBlobsAsync());
    }

    [Fact]
    public async Task An_abandoned_push_expires_and_its_landed_bytes_are_then_garbage()
    {
        Assert.SkipWhen(TestBackends.OnS3, "with S3 an unfinished push's bytes are staged outside the blobs and become one only at completion");
        var sif = await sifs.CreateAsync(90_000);
        var containerId = await library.EnsureContainerAsync("gina", "abandoned", "img");
        var (imageId, _) = await library.EnsureImageAsync("gina/abandoned/img", containerId, sif.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
        using (var anonymous = new HttpClient())
        await using (var file = File.OpenRead(sif.Path))
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync((string)start["uploadURL"]!, new StreamContent(file))).StatusCode);
        }
        // The client never sends its completion call.
        Assert.Equal(0, (await CollectAsync(dryRun: true)).Blobs);

        server.Clock.Advance(TimeSpan.FromDays(1));
        var expired = await server.InScopeAsync(sp => sp.GetRequiredService<UploadExpiry>().ExpireAsync());
        server.Clock.Advance(-TimeSpan.FromDays(1));

        Assert.Equal(2, expired);
        Assert.False(await InDatabaseAsync(db => db.Images.AnyAsync(i => i.Id == imageId)));
        Assert.Equal(new GarbageReport(true, 1, sif.Size, 0), await CollectAsync(dryRun: true));
        Assert.Equal(new GarbageReport(false, 1, sif.Size, 0), await CollectAsync(dryRun: false));
        Assert.False(await BlobExistsAsync(sif.Hash));
    }

    [Fact]
    public async Task The_gc_command_reports_and_frees_what_the_admin_area_would()
    {
        var sif = await sifs.CreateAsync(40_000);
        await library.PushAsync("gina/cli/img", sif);
        await InDatabaseAsync(db => db.Images.ExecuteDeleteAsync());

        var (dryCode, dryOut, _) = await RunCommandAsync("gc", "--dry-run");
        Assert.Equal(0, dryCode);
        Assert.Equal($"Dry run: 1 unreferenced blob(s), {sif.Size} bytes would be freed; 0 blob(s) in use kept.", dryOut.Trim());
        Assert.True(await BlobExistsAsync(sif.Hash));
        var (runCode, runOut, _) = await RunCommandAsync("gc");
        Assert.Equal(0, runCode);
        Assert.Equal($"Freed 1 unreferenced blob(s), {sif.Size} bytes; 0 blob(s) in use kept.", runOut.Trim());
        Assert.False(await BlobExistsAsync(sif.Hash));
        var (badCode, _, badErr) = await RunCommandAsync("gc", "--force");
        Assert.Equal(2, badCode);
        Assert.Contains("unknown argument '--force'", badErr, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Out, string Err)> RunCommandAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GarbageCommand.RunAsync(server.Services, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private Task<GarbageReport> CollectAsync(bool dryRun) =>
        server.InScopeAsync(sp => sp.GetRequiredService<GarbageCollector>().CollectUnreferencedAsync(dryRun));

    private Task<T> InDatabaseAsync<T>(Func<RegistryDbContext, Task<T>> work) => server.InScopeAsync(sp => work(sp.GetRequiredService<RegistryDbContext>()));

    private async Task<bool> BlobExistsAsync(string hash) => await server.BlobCopiesAsync(hash) == 1;

    private Task<int> StoredBlobsAsync() => server.InScopeAsync(async sp =>
    {
        var count = 0;
        await foreach (var _ in sp.GetRequiredService<IBlobStore>().ListHashesAsync())
        {
            count++;
        }
        return count;
    });

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
