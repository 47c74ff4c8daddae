using System.Diagnostics;
using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>A data folder on a 48 MiB tmpfs: a push that does not fit gets a clear 507, nothing stored is damaged, and service resumes once space is freed.</summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly string mountPoint = Directory.CreateTempSubdirectory("sreg-full-").FullName;
    private readonly bool mounted;
    private readonly SifFiles sifs = new();

    public DiskFullTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        Assert.SkipWhen(TestBackends.OnPostgres || TestBackends.OnS3, "the small disk holds SQLite and the blob folder; PostgreSQL and S3 live elsewhere");
        Assert.SkipUnless(Environment.UserName == "root", "mounting a small tmpfs needs root");
        mounted = Run("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mountPoint) == 0;
        Assert.SkipUnless(mounted, "could not mount a tmpfs");
    }

    [Fact]
    public async Task Push_that_does_not_fit_is_refused_with_507_and_nothing_is_damaged()
    {
        await using var server = new RegistryServer().With("Registry:DataPath", Path.Combine(mountPoint, "data"))
            .WithPartSize(5);
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("filler")));
        var kept = await sifs.CreateAsync(20 * 1024 * 1024);
        await library.PushAsync("filler/disk/kept", kept);

        var tooBig = await sifs.CreateAsync(30 * 1024 * 1024);
        foreach (var multipart in new[] { false, true })
        {
            var containerId = await library.EnsureContainerAsync("filler", "disk", "big");
            var (imageId, _) = await library.EnsureImageAsync("filler/disk/big", containerId, tooBig.Hash);
            var refused = multipart
                ? await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart", LibraryProtocol.Json(new { filesize = tooBig.Size }))
                : await PutWholeAsync(library, imageId, tooBig);
            Assert.Contains("disk space", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.InsufficientStorage), StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(mountPoint, "data", "uploads"), "*.upload"));
        Assert.Equal(kept.Hash, "sha256." + await library.PullAsync("filler/disk/kept"));

        // Free space by deleting the first image; the big push then goes through.
        Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync("v1/images/filler/disk/kept:latest?arch=amd64")).StatusCode);
        await library.PushAsync("filler/disk/big", tooBig);
        Assert.Equal(tooBig.Hash, "sha256." + await library.PullAsync("filler/disk/big", partSize: 8 * 1024 * 1024));
    }

    [Fact]
    public async Task Database_writes_on_a_full_disk_are_507_not_500_and_work_again_once_space_is_freed()
    {
        var dataPath = Path.Combine(mountPoint, "meta");
        await using var server = new RegistryServer().With("Registry:DataPath", dataPath);
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("meta")));
        var kept = await sifs.CreateAsync(100_000);
        await library.PushAsync("meta/meta/kept", kept);
        var filler = Path.Combine(mountPoint, "filler");
        using (var fill = File.OpenHandle(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None,
                   new DriveInfo(mountPoint).AvailableFreeSpace - 4096))
        {
        }
        FillTheRest(filler);

        // SQLite reuses pages it already has, so the first writes may fit; sooner or later one needs a new page.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200 && !statuses.Contains(HttpStatusCode.InsufficientStorage); i++)
        {
            var response = await library.Http.PostAsync("v1/collections",
                LibraryProtocol.Json(new { name = $"full-{i}", description = new string('d', 1000) }));
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Contains("disk space", await LibraryProtocol.ErrorAsync(response, HttpStatusCode.InsufficientStorage), StringComparison.Ordinal);
            }
        }
        Assert.Contains(HttpStatusCode.InsufficientStorage, statuses);
        Assert.Equal(kept.Hash, "sha256." + await library.PullAsync("meta/meta/kept"));

        File.Delete(filler);
        Assert.Equal(HttpStatusCode.OK, (await library.Http.PostAsync("v1/collections", LibraryProtocol.Json(new { name = "after-full" }))).StatusCode);
        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(dataPath));
    }

    /// <summary>Appends until the file system says no: the last few KiB too.</summary>
    private static void FillTheRest(string filler)
    {
        using var file = new FileStream(filler, FileMode.Append, FileAccess.Write, FileShare.None, 1);
        var block = new byte[512];
        try
        {
            for (var i = 0; i < 1 << 20; i++)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // Full: what we wanted.
        }
    }

    private static async Task<HttpResponseMessage> PutWholeAsync(LibraryProtocol library, string imageId, (string Path, string Hash, long Size) sif)
    {
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = sif.Size, sha256sum = sif.Hash[7..] })));
        using var anonymous = new HttpClient();
        await using var file = File.OpenRead(sif.Path);
        return await anonymous.PutAsync((string)start["uploadURL"]!, new StreamContent(file));
    }

    private static int Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        sifs.Dispose();
        if (mounted)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Run("umount", "-l", mountPoint);
        }
        Directory.Delete(mountPoint, recursive: true);
    }
}
