using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Api.Blobs;

namespace SRegistry.Tests.Api;

/// <summary>The push and pull sequences (docs/protocol/library.md#push, #pull) step by step over HTTP, on a real SQLite file and data folder.</summary>
public sealed class PushPullTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public PushPullTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Single_part_push_then_ranged_pull_returns_the_same_bytes()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("alice")));
        var sif = await sifs.CreateAsync(300_000);
        await library.PushAsync("alice/tools/alpine", sif, tags: "3.19");

        var image = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/alice/tools/alpine:3.19?arch=amd64"));
        Assert.Equal(sif.Hash, (string)image["hash"]!);
        Assert.Equal(sif.Size, (long)image["size"]!);
        Assert.True((bool)image["uploaded"]!);
        Assert.Equal("amd64", (string)image["arch"]!);
        Assert.Equal(["3.19"], image["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("alice/tools/alpine:3.19", partSize: 64 * 1024));
    }

    [Fact]
    public async Task Multipart_push_assembles_parts_and_verifies_the_whole_hash()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("bob")));
        var sif = await sifs.CreateAsync(12 * 1024 * 1024);
        await library.PushAsync("bob/big/blob", sif, multipart: true);

        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("bob/big/blob:latest", partSize: 5 * 1024 * 1024));
        Assert.Equal(sif.Size, await server.BlobSizeAsync(sif.Hash));
        Assert.Equal(0, await server.LeftoverUploadsAsync());
    }

    [Fact]
    public async Task Transfer_counters_are_for_admins_only_and_count_the_image_bytes_that_passed_through_the_registry()
    {
        var user = server.Client(await server.CreateTokenAsync("carl"));
        var admin = server.Client(await server.CreateTokenAsync("ada", admin: true));
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("_blobs/counters"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await user.GetAsync("_blobs/counters"), HttpStatusCode.NotFound);
        var before = (await admin.GetFromJsonAsync<TransferCountersWire>("_blobs/counters"))!;
        var sif = await sifs.CreateAsync(200_000);
        var library = new LibraryProtocol(user);

        await library.PushAsync("carl/metered/img", sif);
        await library.PullAsync("carl/metered/img:latest", partSize: 64 * 1024);

        // Folder store: the bytes came through the app (the pull's 1025-byte probe included); object store: they went
        // to and came from the bucket, and only the verifying read-back moved bytes.
        var sent = TestBackends.OnS3 ? 0 : sif.Size + 1025;
        var after = before;
        for (var attempt = 0; attempt < 50 && after.ImageBytesSent - before.ImageBytesSent < sent; attempt++)
        {
            // A response is counted once it has been sent completely, which may be just after the client has read it.
            await Task.Delay(100);
            after = (await admin.GetFromJsonAsync<TransferCountersWire>("_blobs/counters"))!;
        }
        after = (await admin.GetFromJsonAsync<TransferCountersWire>("_blobs/counters"))!;
        Assert.Equal(TestBackends.OnS3 ? 0 : sif.Size, after.ImageBytesReceived - before.ImageBytesReceived);
        Assert.Equal(sent, after.ImageBytesSent - before.ImageBytesSent);
        Assert.Equal(TestBackends.OnS3 ? sif.Size : 0, after.ImageBytesReadBack - before.ImageBytesReadBack);
    }

    [Fact]
    public async Task Multipart_complete_reports_quota_and_container_url()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("quinn")));
        var sif = await sifs.CreateAsync(6 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("quinn", "qcoll", "qimg");
        var (imageId, _) = await library.EnsureImageAsync("quinn/qcoll/qimg", containerId, sif.Hash);
        var done = await library.UploadMultipartAsync(imageId, sif.Path);
        Assert.Equal("collections/qcoll/qimg", (string)done["containerUrl"]!);
        Assert.Equal(sif.Size, (long)done["quota"]!["quotaUsage"]!);
        Assert.Equal(0, (long)done["quota"]!["quotaTotal"]!);
    }

    [Fact]
    public async Task Second_push_of_same_file_skips_upload_and_adds_tag()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("carla")));
        var sif = await sifs.CreateAsync(100_000);
        var first = await library.PushAsync("carla/carla-tools/tool", sif, tags: "v1");
        var containerId = await library.EnsureContainerAsync("carla", "carla-tools", "tool");
        var again = await library.EnsureImageAsync("carla/carla-tools/tool", containerId, sif.Hash);
        Assert.Equal(first, again.Id);
        Assert.True(again.Uploaded);
        await library.SetTagAsync(containerId, first, "v2");
        var tags = await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v2/tags/{containerId}"));
        Assert.Equal(first, (string)tags["amd64"]!["v1"]!);
        Assert.Equal(first, (string)tags["amd64"]!["v2"]!);
    }

    [Fact]
    public async Task Same_bytes_in_two_containers_share_one_blob()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("dora")));
        var sif = await sifs.CreateAsync(50_000);
        await library.PushAsync("dora/one/img", sif);
        var containerId = await library.EnsureContainerAsync("dora", "two", "img");
        var (_, uploaded) = await library.EnsureImageAsync("dora/two/img", containerId, sif.Hash);
        Assert.True(uploaded, "the caller can already read these bytes, so no second upload is needed");
        Assert.Equal(1, await server.BlobCopiesAsync(sif.Hash));
    }

    [Fact]
    public async Task Tags_are_per_architecture_and_arch_blind_lookup_prefers_amd64()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("erin")));
        var amd = await sifs.CreateAsync(40_000, "amd64");
        var arm = await sifs.CreateAsync(40_000, "arm64");
        var amdId = await library.PushAsync("erin/multi/app", amd, "amd64", false, "1.0");
        var armId = await library.PushAsync("erin/multi/app", arm, "arm64", false, "1.0");

        Assert.Equal(armId, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/erin/multi/app:1.0?arch=arm64")))["id"]!);
        Assert.Equal(amdId, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/erin/multi/app:1.0?arch=amd64")))["id"]!);
        Assert.Equal(amdId, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/erin/multi/app:1.0?arch=")))["id"]!);
        var container = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/containers/erin/multi/app"));
        Assert.Equal(amdId, (string)container["imageTags"]!["1.0"]!);
        Assert.Equal(armId, (string)container["archTags"]!["arm64"]!["1.0"]!);
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync("v1/images/erin/multi/app:1.0?arch=ppc64le"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Arm_image_tagged_as_amd64_is_refused()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("fred")));
        var arm = await sifs.CreateAsync(30_000, "arm64");
        var containerId = await library.EnsureContainerAsync("fred", "fc", "img");
        var (imageId, _) = await library.EnsureImageAsync("fred/fc/img", containerId, arm.Hash, "arm64");
        await library.UploadSingleAsync(imageId, arm.Path, arm.Hash);
        var response = await library.Http.PostAsync($"v2/tags/{containerId}", LibraryProtocol.Json(new { Arch = "amd64", Tag = "x", ImageID = imageId }));
        Assert.Contains("arm64", await LibraryProtocol.ErrorAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1_tags_write_the_images_own_arch()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("gina")));
        var sif = await sifs.CreateAsync(30_000, "arm64");
        var containerId = await library.EnsureContainerAsync("gina", "gc", "img");
        var (imageId, _) = await library.EnsureImageAsync("gina/gc/img", containerId, sif.Hash, "arm64");
        await library.UploadSingleAsync(imageId, sif.Path, sif.Hash);
        var response = await library.Http.PostAsync($"v1/tags/{containerId}", LibraryProtocol.Json(new { Tag = "old", ImageID = imageId }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(imageId, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v1/tags/{containerId}")))["old"]!);
        Assert.Equal(imageId, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v2/tags/{containerId}")))["arm64"]!["old"]!);
    }

    [Fact]
    public async Task Legacy_v1_upload_stores_and_verifies()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("hank")));
        var sif = await sifs.CreateAsync(70_000);
        var containerId = await library.EnsureContainerAsync("hank", "legacy", "img");
        var (imageId, _) = await library.EnsureImageAsync("hank/legacy/img", containerId, sif.Hash);
        await using (var file = File.OpenRead(sif.Path))
        {
            var response = await library.Http.PostAsync($"v1/imagefile/{imageId}", new StreamContent(file));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await library.SetTagAsync(containerId, imageId, "latest");
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("hank/legacy/img"));
    }

    [Fact]
    public async Task Pull_by_hash_and_short_references_resolve_the_same_image()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("ivan")));
        var sif = await sifs.CreateAsync(20_000);
        var id = await library.PushAsync("ivan/shortref/tool", sif);
        var anonymous = server.Client();
        foreach (var reference in new[] { "shortref/tool", "shortref/tool:latest", "ivan/shortref/tool", $"shortref/tool:{sif.Hash}", "/ivan//shortref/tool:latest" })
        {
            var image = await LibraryProtocol.DataAsync(await anonymous.GetAsync($"v1/images/{reference.TrimStart('/')}?arch=amd64"));
            Assert.Equal(id, (string)image["id"]!);
        }
        var collapsed = await anonymous.GetAsync("v1/images//ivan/shortref/tool:latest?arch=amd64");
        Assert.Equal(id, (string)(await LibraryProtocol.DataAsync(collapsed))["id"]!);
    }

    [Fact]
    public async Task Delete_removes_image_tags_and_unreferenced_blob()
    {
        var token = await server.CreateTokenAsync("jane");
        var library = new LibraryProtocol(server.Client(token));
        var sif = await sifs.CreateAsync(25_000);
        await library.PushAsync("jane/gone/img", sif, tags: ["a", "b"]);
        var deleted = await library.Http.DeleteAsync("v1/images/jane/gone/img:a?arch=amd64");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync("v1/images/jane/gone/img:b?arch=amd64"), HttpStatusCode.NotFound);
        Assert.Equal(0, await server.BlobCopiesAsync(sif.Hash));
        await LibraryProtocol.ErrorAsync(await library.Http.DeleteAsync("v1/images/jane/gone/img:a?arch=amd64"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_finds_images_by_name_tag_and_arch_and_hides_private_ones()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("kate")));
        await library.PushAsync("kate/searchable/findme", await sifs.CreateAsync(10_000), tags: "2024.05");
        await library.PushAsync("kate/hidden/findme-too", await sifs.CreateAsync(10_000));
        await server.MakeCollectionPrivateAsync("hidden");

        var anonymous = server.Client();
        var all = await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/search?value=findme"));
        Assert.Single(all["container"]!.AsArray());
        Assert.Single(all["image"]!.AsArray());
        var byArch = await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/search?arch=amd64&value=FINDME"));
        Assert.Empty(byArch["collection"]!.AsArray());
        var image = byArch["image"]!.AsArray().Single()!;
        Assert.Equal("searchable", (string)image["collectionName"]!);
        Assert.Equal(["2024.05"], image["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Empty((await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/search?arch=arm64&value=findme")))["image"]!.AsArray());
        Assert.Empty((await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/search?value=findme&signed=true")))["image"]!.AsArray());
        var owner = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/search?value=findme"));
        Assert.Equal(2, owner["image"]!.AsArray().Count);
        await LibraryProtocol.ErrorAsync(await anonymous.GetAsync("v1/search?value=ab"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Download_counts_once_per_pull_not_per_range()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("leo")));
        await library.PushAsync("leo/counted/img", await sifs.CreateAsync(200_000));
        await library.PullAsync("leo/counted/img", partSize: 32 * 1024);
        await library.PullAsync("leo/counted/img", partSize: 32 * 1024);
        await server.FlushPullCountsAsync();
        var container = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/containers/leo/counted/img"));
        Assert.Equal(2, (long)container["downloadCount"]!);
    }

    [Fact]
    public async Task Blob_url_serves_ranges_with_content_range_etag_and_clips_the_probe()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("mia")));
        var sif = await sifs.CreateAsync(100);
        await library.PushAsync("mia/tiny/img", sif);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var redirect = await noRedirects.GetAsync($"{server.BaseUrl}/v1/imagefile/tiny/img:latest?arch=amd64");
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        using var probe = new HttpRequestMessage(HttpMethod.Get, redirect.Headers.Location) { Headers = { Range = new(0, 1024) } };
        var response = await noRedirects.SendAsync(probe);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(sif.Size, response.Content.Headers.ContentRange!.Length);
        Assert.Equal(Math.Min(1025, sif.Size), response.Content.Headers.ContentLength);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        // The folder store's ETag is the hash; an object store sends its own (docs/protocol/library.md#p2 asks only for one).
        Assert.Equal(TestBackends.OnS3 ? response.Headers.ETag!.Tag : $"\"{sif.Hash}\"", response.Headers.ETag!.Tag);
    }

    public void Dispose() => sifs.Dispose();
}
