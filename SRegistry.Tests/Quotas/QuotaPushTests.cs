using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Quotas;
using SRegistry.Core.Uploads;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Quotas;

/// <summary>Quotas over the library protocol, step by step: refused before the first byte, reported after each push, freed by deletes.</summary>
public sealed class QuotaPushTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public QuotaPushTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Single_part_push_over_the_quota_is_refused_before_any_byte_and_stores_nothing()
    {
        var library = await SignInAsync("quota-amy");
        var first = await sifs.CreateAsync(200_000);
        var second = await sifs.CreateAsync(200_000);
        await SetUserQuotaAsync("quota-amy", first.Size + (second.Size / 2));

        await library.PushAsync("quota-amy/q1/img", first);
        var containerId = await library.EnsureContainerAsync("quota-amy", "q1", "other");
        var (imageId, _) = await library.EnsureImageAsync("quota-amy/q1/other", containerId, second.Hash);
        var refused = await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = second.Size, sha256sum = second.Hash[7..], md5sum = "" }));

        var message = await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden);
        Assert.StartsWith("storage quota exceeded: user 'quota-amy' uses ", message, StringComparison.Ordinal);
        Assert.Contains("Nothing was uploaded", message, StringComparison.Ordinal);
        Assert.False(BlobExists(second.Hash));
        Assert.Empty(Directory.GetFiles(UploadsFolder, "*.upload"));
        Assert.Equal(0, await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().UploadSessions.CountAsync(s => s.ImageId == imageId)));
        Assert.Equal(first.Size, (await UsageAsync("quota-amy")).UsedBytes);
    }

    [Fact]
    public async Task Multipart_push_over_the_quota_is_refused_at_its_start_not_turned_into_a_single_part_one()
    {
        var library = await SignInAsync("quota-max");
        var sif = await sifs.CreateAsync(11 * 1024 * 1024);
        await SetUserQuotaAsync("quota-max", 10 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("quota-max", "qbig", "img");
        var (imageId, _) = await library.EnsureImageAsync("quota-max/qbig/img", containerId, sif.Hash);

        // 404 here would make the client fall back to a single-part upload; a quota refusal must end the push.
        var refused = await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart", LibraryProtocol.Json(new { filesize = sif.Size }));

        var message = await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden);
        Assert.Contains("uses 0 B of 10 MiB, and this image needs 11", message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(UploadsFolder, "*.upload"));
    }

    [Fact]
    public async Task Legacy_upload_over_the_quota_is_refused_and_one_without_a_length_is_asked_for_it()
    {
        var library = await SignInAsync("quota-leo");
        var sif = await sifs.CreateAsync(100_000);
        var containerId = await library.EnsureContainerAsync("quota-leo", "qlegacy", "img");
        var (imageId, _) = await library.EnsureImageAsync("quota-leo/qlegacy/img", containerId, sif.Hash);
        await SetUserQuotaAsync("quota-leo", sif.Size - 1);

        await using (var file = File.OpenRead(sif.Path))
        {
            var refused = await library.Http.PostAsync($"v1/imagefile/{imageId}", new StreamContent(file));
            Assert.Contains("storage quota exceeded", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        }
        await using (var file = File.OpenRead(sif.Path))
        {
            var chunked = new StreamContent(new ClientBodyStream(file));
            var refused = await library.Http.PostAsync($"v1/imagefile/{imageId}", chunked);
            Assert.Contains("Content-Length", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        }
        Assert.False(BlobExists(sif.Hash));
    }

    [Fact]
    public async Task Usage_is_reported_after_every_push_and_drops_after_deletes()
    {
        var library = await SignInAsync("quota-ida");
        var quota = 5L * 1024 * 1024;
        await SetUserQuotaAsync("quota-ida", quota);
        var small = await sifs.CreateAsync(150_000);
        var big = await sifs.CreateAsync(6 * 1024 * 1024 - 400_000);

        var afterSmall = await PushReportingAsync(library, "quota-ida/usage/small", small, multipart: false);
        Assert.Equal(quota, (long)afterSmall["quota"]!["quotaTotal"]!);
        Assert.Equal(small.Size, (long)afterSmall["quota"]!["quotaUsage"]!);
        await SetUserQuotaAsync("quota-ida", 0);
        var afterBig = await PushReportingAsync(library, "quota-ida/usage/big", big, multipart: true);
        Assert.Equal(0, (long)afterBig["quota"]!["quotaTotal"]!);
        Assert.Equal(small.Size + big.Size, (long)afterBig["quota"]!["quotaUsage"]!);

        Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync("v1/images/quota-ida/usage/big:latest?arch=amd64")).StatusCode);
        Assert.Equal(small.Size, (await UsageAsync("quota-ida")).UsedBytes);
        Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync("v1/images/quota-ida/usage/small:latest?arch=amd64")).StatusCode);
        Assert.Equal(0, (await UsageAsync("quota-ida")).UsedBytes);
    }

    [Fact]
    public async Task Linking_bytes_already_stored_counts_against_the_quota_and_is_refused_over_it()
    {
        var library = await SignInAsync("quota-dee");
        var sif = await sifs.CreateAsync(300_000);
        await library.PushAsync("quota-dee/qfirst/img", sif);
        await SetUserQuotaAsync("quota-dee", sif.Size + 1000);

        var containerId = await library.EnsureContainerAsync("quota-dee", "qsecond", "img");
        var refused = await library.Http.PostAsync("v1/images", LibraryProtocol.Json(new { hash = sif.Hash, container = containerId, description = "" }));

        Assert.Contains("storage quota exceeded", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.Equal(sif.Size, (await UsageAsync("quota-dee")).UsedBytes);
        await SetUserQuotaAsync("quota-dee", 2 * sif.Size);
        var linked = await library.EnsureImageAsync("quota-dee/qsecond/img", containerId, sif.Hash);
        Assert.True(linked.Uploaded);
        Assert.Equal(2 * sif.Size, (await UsageAsync("quota-dee")).UsedBytes);
    }

    [Fact]
    public async Task Concurrent_pushes_never_overshoot_the_quota_together()
    {
        var library = await SignInAsync("quota-cat");
        var images = new List<(string Id, (string Path, string Hash, long Size) Sif)>();
        var containerId = await library.EnsureContainerAsync("quota-cat", "qrace", "img");
        for (var i = 0; i < 6; i++)
        {
            var sif = await sifs.CreateAsync(100_000);
            images.Add(((await library.EnsureImageAsync("quota-cat/qrace/img", containerId, sif.Hash)).Id, sif));
        }
        var size = images.Max(i => i.Sif.Size);
        await SetUserQuotaAsync("quota-cat", (3 * size) + (size / 2));

        // Six upload URLs asked for at once: each is admitted against what is stored plus what the others reserved.
        var starts = await Task.WhenAll(images.Select(i => library.Http.PostAsync($"v2/imagefile/{i.Id}",
            LibraryProtocol.Json(new { filesize = i.Sif.Size, sha256sum = i.Sif.Hash[7..], md5sum = "" }))));

        Assert.Equal(3, starts.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(3, starts.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        var refusal = await LibraryProtocol.ErrorAsync(starts.First(r => r.StatusCode == HttpStatusCode.Forbidden), HttpStatusCode.Forbidden);
        Assert.Contains("in uploads in progress", refusal, StringComparison.Ordinal);
        foreach (var (response, image) in starts.Zip(images).Where(p => p.First.IsSuccessStatusCode))
        {
            var url = (string)(await LibraryProtocol.DataAsync(response))["uploadURL"]!;
            using var anonymous = new HttpClient();
            await using var file = File.OpenRead(image.Sif.Path);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.PutAsync(url, new StreamContent(file))).StatusCode);
            await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{image.Id}/_complete", LibraryProtocol.Json(new { })));
        }
        var usage = await UsageAsync("quota-cat");
        Assert.Equal(images.Where((_, n) => starts[n].IsSuccessStatusCode).Sum(i => i.Sif.Size), usage.UsedBytes);
        Assert.True(usage.UsedBytes <= usage.TotalBytes);
    }

    [Fact]
    public async Task An_upload_cut_off_midway_gives_its_reservation_back_at_once()
    {
        Assert.SkipWhen(TestBackends.OnS3, "with S3 the bytes go to the store, not the app: a cut-off upload holds its reservation until it expires");
        var library = await SignInAsync("quota-kim");
        var first = await sifs.CreateAsync(2 * 1024 * 1024);
        var second = await sifs.CreateAsync(2 * 1024 * 1024);
        await SetUserQuotaAsync("quota-kim", first.Size + 100_000);
        var containerId = await library.EnsureContainerAsync("quota-kim", "qcut", "img");
        var (firstId, _) = await library.EnsureImageAsync("quota-kim/qcut/img", containerId, first.Hash);
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{firstId}",
            LibraryProtocol.Json(new { filesize = first.Size, sha256sum = first.Hash[7..] })));

        using (var client = new HttpClient())
        await using (var file = File.OpenRead(first.Path))
        {
            var sessionId = new Uri((string)start["uploadURL"]!).Segments[^1];
            var gates = server.Services.GetRequiredService<UploadGates>();
            var content = new StreamContent(new ClientBodyStream(file, failAfter: 512 * 1024, beforeFailing: async () =>
            {
                for (var i = 0; i < 200 && !gates.IsBusy(sessionId); i++)
                {
                    await Task.Delay(25);
                }
            }));
            content.Headers.ContentLength = first.Size;
            await Assert.ThrowsAnyAsync<Exception>(() => client.PutAsync((string)start["uploadURL"]!, content));
        }

        // The server notices the reset connection a moment after the client gives up, then frees the reservation.
        // "At once" means well inside the upload lifetime (hours); the loop allows for a machine busy with other tests.
        var (secondId, _) = await library.EnsureImageAsync("quota-kim/qcut/img", containerId, second.Hash);
        HttpResponseMessage? admitted = null;
        for (var i = 0; i < 600 && admitted?.StatusCode != HttpStatusCode.OK; i++)
        {
            await Task.Delay(50);
            admitted = await library.Http.PostAsync($"v2/imagefile/{secondId}",
                LibraryProtocol.Json(new { filesize = second.Size, sha256sum = second.Hash[7..] }));
        }
        Assert.Equal(HttpStatusCode.OK, admitted!.StatusCode);
    }

    private async Task<System.Text.Json.Nodes.JsonNode> PushReportingAsync(LibraryProtocol library, string reference,
        (string Path, string Hash, long Size) sif, bool multipart)
    {
        var parts = reference.Split('/');
        var containerId = await library.EnsureContainerAsync(parts[0], parts[1], parts[2]);
        var (imageId, _) = await library.EnsureImageAsync(reference, containerId, sif.Hash);
        var done = multipart ? await library.UploadMultipartAsync(imageId, sif.Path) : await library.UploadSingleAsync(imageId, sif.Path, sif.Hash);
        await library.SetTagAsync(containerId, imageId, "latest");
        return done;
    }

    private async Task<LibraryProtocol> SignInAsync(string username) => new(server.Client(await server.CreateTokenAsync(username)));

    private Task<bool> SetUserQuotaAsync(string username, long bytes) => server.InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        var admin = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("quota-admin", makeAdmin: true)).Id);
        var userId = await sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).Select(u => u.Id).FirstAsync();
        var setting = bytes == 0 ? new QuotaOverride { Choice = QuotaChoice.Unlimited }
            : new QuotaOverride { Choice = QuotaChoice.Limit, Amount = bytes / (decimal)(1 << 20), Unit = QuotaUnit.MiB };
        var set = await sp.GetRequiredService<QuotaAdministration>().SetUserQuotaAsync(admin, userId, setting);
        Assert.True(set.Succeeded, set.Message);
        Assert.Equal(bytes, set.Value!.Usage.TotalBytes);
        return true;
    });

    private Task<QuotaUsage> UsageAsync(string username) => server.InScopeAsync(async sp =>
    {
        var userId = await sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).Select(u => u.Id).FirstAsync();
        return await sp.GetRequiredService<QuotaAccounting>().ForUserAsync(userId);
    });

    private string UploadsFolder => Path.Combine(server.DataPath, "uploads");

    private bool BlobExists(string hash) => File.Exists(Path.Combine(server.DataPath, "blobs", "sha256", hash[7..9], hash[7..]));

    public void Dispose() => sifs.Dispose();
}
