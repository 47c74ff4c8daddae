using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Browsing;
using SRegistry.Core.Data;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// The image lifecycle with Apptainer's own library client: quotas refused before the upload with the message the CLI
/// prints, the usage it reports after a push, delete with --arch, pull counts, and garbage collection during pushes.
/// </summary>
public sealed class LifecycleClientTests : IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer().WithPartSize(8);
    private readonly SifFiles sifs = new();
    private readonly Dictionary<string, string> tokens = [];

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "golang-go or the apptainer library client source is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        foreach (var user in new[] { "alice", "bob", "carl", "dina", "erik" })
        {
            tokens[user] = await server.CreateTokenAsync(user);
        }
    }

    private Task<DriverResult> As(string user, params string[] args) => LibraryClientDriver.RunAsync(server.BaseUrl, tokens[user], args);

    [Fact]
    public async Task A_push_over_the_quota_fails_before_the_upload_with_a_clear_message_and_stores_nothing()
    {
        await SetQuotaAsync("alice", 1024 * 1024);
        var small = await sifs.CreateAsync(2 * 1024 * 1024);
        var large = await sifs.CreateAsync((64L * 1024 * 1024) + (1024 * 1024));

        var single = await As("alice", "push", small.Path, "alice/full/small");
        var multipart = await As("alice", "push", large.Path, "alice/full/large");

        Assert.False(single.Succeeded);
        Assert.Contains("storage quota exceeded: user 'alice' uses 0 B of 1 MiB, and this image needs 2 MiB more. Nothing was uploaded", single.Error,
            StringComparison.Ordinal);
        Assert.False(multipart.Succeeded);
        Assert.Contains("storage quota exceeded: user 'alice' uses 0 B of 1 MiB, and this image needs 65 MiB more", multipart.Error, StringComparison.Ordinal);
        // Refused at the start of each upload: no byte was sent, and the large one did not fall back to a single-part upload.
        Assert.DoesNotContain(server.Requests, r => r.StartsWith("PUT /_blobs/", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataPath, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataPath, "uploads"), "*.upload"));
        Assert.Equal(0, (await UsageAsync("alice")).UsedBytes);
    }

    [Fact]
    public async Task The_client_gets_the_usage_and_quota_after_each_push_and_deletes_give_the_space_back()
    {
        await SetQuotaAsync("bob", 10 * 1024 * 1024);
        var first = await sifs.CreateAsync(1024 * 1024);
        var second = await sifs.CreateAsync(3 * 1024 * 1024);

        var one = await As("bob", "push", first.Path, "bob/usage/one");
        var two = await As("bob", "push", second.Path, "bob/usage/two");
        var third = await As("bob", "push", (await sifs.CreateAsync(7 * 1024 * 1024)).Path, "bob/usage/three");

        Assert.True(one.Succeeded && two.Succeeded, one.Stderr + two.Stderr);
        // What the CLI prints as "Library storage: using X out of Y quota".
        Assert.Equal(10 * 1024 * 1024, (long)one.Json["quota"]!["quotaTotal"]!);
        Assert.Equal(first.Size, (long)one.Json["quota"]!["quotaUsage"]!);
        Assert.Equal(first.Size + second.Size, (long)two.Json["quota"]!["quotaUsage"]!);
        Assert.Contains("storage quota exceeded", third.Error, StringComparison.Ordinal);

        var deleted = await As("bob", "delete", "bob/usage/two:latest", "-arch", "amd64");
        Assert.True(deleted.Succeeded, deleted.Stderr);
        Assert.Equal(first.Size, (await UsageAsync("bob")).UsedBytes);
        var retried = await As("bob", "push", (await sifs.CreateAsync(7 * 1024 * 1024)).Path, "bob/usage/three");
        Assert.True(retried.Succeeded, retried.Stderr);
    }

    [Fact]
    public async Task Delete_with_arch_removes_that_image_with_every_tag_and_shared_bytes_go_with_the_last_reference()
    {
        var amd = await sifs.CreateAsync(400_000);
        var arm = await sifs.CreateAsync(400_000, arch: "arm64");
        Assert.True((await As("carl", "push", amd.Path, "carl/del/one", "-tags", "a,b")).Succeeded);
        Assert.True((await As("carl", "push", arm.Path, "carl/del/one", "-arch", "arm64", "-tags", "a")).Succeeded);
        var linked = await As("carl", "push", amd.Path, "carl/del/two");
        Assert.True(linked.Succeeded, linked.Stderr);
        Assert.False((bool)linked.Json["uploaded"]!, "the second container links the stored bytes");

        var deleted = await As("carl", "delete", "carl/del/one:a", "-arch", "amd64");

        Assert.True(deleted.Succeeded, deleted.Stderr);
        Assert.Contains("not found", (await As("carl", "image", "carl/del/one:b", "-arch", "amd64")).Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", (await As("carl", "image", "carl/del/one:a", "-arch", "amd64")).Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(arm.Hash, await PullHashAsync("carl", "carl/del/one", "a", "arm64"));
        Assert.True(await BlobExistsAsync(amd.Hash), "carl/del/two still uses these bytes");
        Assert.Equal(amd.Hash, await PullHashAsync("carl", "carl/del/two", "latest"));

        Assert.True((await As("carl", "delete", "carl/del/two:latest", "-arch", "amd64")).Succeeded);
        Assert.False(await BlobExistsAsync(amd.Hash));
        Assert.True(await BlobExistsAsync(arm.Hash));
        var stranger = await As("bob", "delete", "carl/del/one:a", "-arch", "arm64");
        Assert.Contains("you may not delete images in collection 'del'", stranger.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_pulls_are_counted_per_image_and_container_and_in_todays_bar()
    {
        var sif = await sifs.CreateAsync(1024 * 1024);
        Assert.True((await As("dina", "push", sif.Path, "dina/popular/tool", "-tags", "1.0")).Succeeded);

        await PullHashAsync("dina", "dina/popular/tool", "1.0");
        await PullHashAsync("dina", "dina/popular/tool", "1.0", concurrency: 4);
        var anonymous = await LibraryClientDriver.RunAsync(server.BaseUrl, null, "pull", "dina/popular/tool", "1.0", Path.Combine(sifs.Folder, "anon.sif"));
        Assert.True(anonymous.Succeeded, anonymous.Stderr);
        await server.FlushPullCountsAsync();

        var (image, container) = await server.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            return (await db.Images.SingleAsync(i => i.Hash == sif.Hash), await db.Containers.SingleAsync(c => c.Name == "tool"));
        });
        Assert.Equal(3, image.DownloadCount);
        Assert.Equal(3, container.DownloadCount);
        var series = await server.InScopeAsync(sp => sp.GetRequiredService<PullHistory>().DailyAsync(Principal.Anonymous, "popular", "tool"));
        Assert.Equal(3, series.Value!.Days[^1].Pulls);
        Assert.Equal(3, series.Value.Total);
    }

    [Fact]
    public async Task Garbage_collection_running_throughout_real_pushes_and_pulls_removes_nothing_they_use()
    {
        using var stop = new CancellationTokenSource();
        var runs = 0;
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await server.InScopeAsync(sp => sp.GetRequiredService<GarbageCollector>().CollectUnreferencedAsync(dryRun: false));
                Interlocked.Increment(ref runs);
            }
        });
        var shared = await sifs.CreateAsync(3 * 1024 * 1024);
        var pushes = Enumerable.Range(0, 3).Select(async n =>
        {
            var own = await sifs.CreateAsync((n + 1) * 1024 * 1024);
            var pushed = await As("erik", "push", own.Path, $"erik/gc{n}/own");
            var linked = await As("erik", "push", shared.Path, $"erik/gc{n}/shared");
            Assert.True(pushed.Succeeded && linked.Succeeded, pushed.Stderr + linked.Stderr);
            Assert.Equal(own.Hash, await PullHashAsync("erik", $"erik/gc{n}/own", "latest", concurrency: 2));
            Assert.Equal(shared.Hash, await PullHashAsync("erik", $"erik/gc{n}/shared", "latest"));
            if (n == 0)
            {
                Assert.True((await As("erik", "delete", "erik/gc0/shared:latest", "-arch", "amd64")).Succeeded);
            }
        }).ToList();
        await Task.WhenAll(pushes);
        await stop.CancelAsync();
        await collector;

        Assert.True(runs > 0);
        Assert.Equal(shared.Hash, await PullHashAsync("erik", "erik/gc2/shared", "latest"));
        var after = await server.InScopeAsync(sp => sp.GetRequiredService<GarbageCollector>().CollectUnreferencedAsync(dryRun: true));
        Assert.Equal(0, after.Blobs);
        Assert.Equal(4, after.BlobsKept);
    }

    private async Task<string> PullHashAsync(string user, string reference, string tag, string arch = "amd64", int concurrency = 0)
    {
        var output = Path.Combine(sifs.Folder, $"pulled-{Guid.NewGuid():N}.sif");
        var pulled = await As(user, "pull", reference, tag, output, "-arch", arch, "-concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
            "-part-size", (1024 * 1024).ToString(CultureInfo.InvariantCulture));
        Assert.True(pulled.Succeeded, pulled.Stderr);
        return "sha256." + await SifFiles.Sha256Async(output);
    }

    private Task<bool> SetQuotaAsync(string username, long bytes) => server.InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        var admin = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("root-admin", makeAdmin: true)).Id);
        var userId = await sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
        var set = await sp.GetRequiredService<QuotaAdministration>().SetUserQuotaAsync(admin, userId,
            new QuotaOverride { Choice = QuotaChoice.Limit, Amount = bytes / (decimal)(1024 * 1024), Unit = QuotaUnit.MiB });
        Assert.True(set.Succeeded, set.Message);
        return true;
    });

    private Task<QuotaUsage> UsageAsync(string username) => server.InScopeAsync(async sp =>
    {
        var userId = await sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();
        return await sp.GetRequiredService<QuotaAccounting>().ForUserAsync(userId);
    });

    private async Task<bool> BlobExistsAsync(string hash) => await server.BlobCopiesAsync(hash) == 1;

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
