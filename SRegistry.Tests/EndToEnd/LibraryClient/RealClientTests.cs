using System.Globalization;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// The registry driven by Apptainer's own library client, the code inside <c>singularity push/pull/search/delete</c>,
/// with real SIF files made by siftool. A protocol feature counts as done when these pass.
/// </summary>
public sealed class RealClientTests : IAsyncLifetime
{
    private const long MultipartThreshold = 64L * 1024 * 1024;
    private readonly RegistryServer server = new RegistryServer().WithPartSize(8);
    private readonly SifFiles sifs = new();
    private string token = "";

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "golang-go or the apptainer library client source is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        token = await server.CreateTokenAsync("alice");
    }

    private Task<DriverResult> Client(params string[] args) => LibraryClientDriver.RunAsync(server.BaseUrl, token, args);

    private Task<DriverResult> Anonymous(params string[] args) => LibraryClientDriver.RunAsync(server.BaseUrl, null, args);

    private async Task<string> PullHashAsync(string reference, string tag, string arch = "amd64", int concurrency = 0, string? asToken = null)
    {
        var output = Path.Combine(sifs.Folder, $"pulled-{Guid.NewGuid():N}.sif");
        var pulled = await LibraryClientDriver.RunAsync(server.BaseUrl, asToken ?? token, "pull", reference, tag, output, "-arch", arch,
            "-concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "-part-size", (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
        Assert.True(pulled.Succeeded, pulled.Stderr);
        return "sha256." + await SifFiles.Sha256Async(output);
    }

    [Fact]
    public async Task Small_image_goes_up_in_one_part_and_comes_back_identical_single_and_concurrent()
    {
        var sif = await sifs.CreateAsync(2 * 1024 * 1024);

        var pushed = await Client("push", sif.Path, "alice/e2e/small", "-tags", "1.0");

        Assert.True(pushed.Succeeded, pushed.Stderr);
        Assert.Equal("collections/e2e/small", (string?)pushed.Json["containerUrl"]);
        Assert.DoesNotContain(server.Requests, r => r.Contains("_multipart", StringComparison.Ordinal));
        Assert.Equal(sif.Hash, await PullHashAsync("alice/e2e/small", "1.0"));
        Assert.Equal(sif.Hash, await PullHashAsync("alice/e2e/small", "1.0", concurrency: 4));
    }

    [Fact]
    public async Task Image_over_64_MiB_goes_up_in_parts_and_comes_back_identical_single_and_concurrent()
    {
        var sif = await sifs.CreateAsync(MultipartThreshold + (6 * 1024 * 1024));

        var pushed = await Client("push", sif.Path, "alice/e2e/big", "-tags", "2.0");

        Assert.True(pushed.Succeeded, pushed.Stderr);
        var parts = (int)Math.Ceiling(sif.Size / (8.0 * 1024 * 1024));
        Assert.Equal(parts, server.Requests.Count(r => r.StartsWith("PUT /v2/imagefile/", StringComparison.Ordinal) && r.EndsWith("/_multipart", StringComparison.Ordinal)));
        // With an object store the parts go to it, not through the registry.
        Assert.Equal(TestBackends.OnS3 ? 0 : parts, server.Requests.Count(r => r.StartsWith("PUT /_blobs/part/", StringComparison.Ordinal)));
        Assert.Contains(server.Requests, r => r.EndsWith("/_multipart_complete", StringComparison.Ordinal));
        Assert.Equal(sif.Hash, await PullHashAsync("alice/e2e/big", "2.0"));
        Assert.Equal(sif.Hash, await PullHashAsync("alice/e2e/big", "2.0", concurrency: 4));
    }

    [Fact]
    public async Task With_multipart_switched_off_a_large_image_goes_up_in_one_single_part_upload()
    {
        await using var singlePart = new RegistryServer().With("Registry:MultipartUploads", "false");
        var sif = await sifs.CreateAsync(MultipartThreshold + (2 * 1024 * 1024));

        var pushed = await LibraryClientDriver.RunAsync(singlePart.BaseUrl, await singlePart.CreateTokenAsync("alice"), "push", sif.Path, "alice/e2e/whole");

        Assert.True(pushed.Succeeded, pushed.Stderr);
        Assert.Contains(singlePart.Requests, r => r.EndsWith("/_multipart", StringComparison.Ordinal) && r.StartsWith("POST", StringComparison.Ordinal));
        Assert.DoesNotContain(singlePart.Requests, r => r.StartsWith("PUT /_blobs/part/", StringComparison.Ordinal));
        Assert.Equal(TestBackends.OnS3 ? 0 : 1, singlePart.Requests.Count(r => r.StartsWith("PUT /_blobs/up/", StringComparison.Ordinal)));
        var output = Path.Combine(sifs.Folder, "whole.sif");
        Assert.True((await LibraryClientDriver.RunAsync(singlePart.BaseUrl, null, "pull", "alice/e2e/whole", "latest", output)).Succeeded);
        Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(output));
    }

    [Fact]
    public async Task Second_tag_and_second_architecture_are_pulled_by_name_and_arch()
    {
        var amd = await sifs.CreateAsync(300_000);
        var arm = await sifs.CreateAsync(300_000, arch: "arm64");

        Assert.True((await Client("push", amd.Path, "alice/multi/tool", "-tags", "1.0")).Succeeded);
        var again = await Client("push", amd.Path, "alice/multi/tool", "-tags", "stable");
        Assert.True(again.Succeeded, again.Stderr);
        Assert.False((bool)again.Json["uploaded"]!, "the same bytes are not uploaded twice");
        var armPush = await Client("push", arm.Path, "alice/multi/tool", "-arch", "arm64", "-tags", "1.0");
        Assert.True(armPush.Succeeded, armPush.Stderr);

        Assert.Equal(amd.Hash, await PullHashAsync("alice/multi/tool", "stable"));
        Assert.Equal(amd.Hash, await PullHashAsync("alice/multi/tool", "1.0"));
        Assert.Equal(arm.Hash, await PullHashAsync("alice/multi/tool", "1.0", arch: "arm64"));
        var image = await Client("image", "alice/multi/tool:1.0", "-arch", "arm64");
        Assert.True(image.Succeeded, image.Stderr);
        Assert.Equal("arm64", (string?)image.Json["arch"]);
    }

    [Fact]
    public async Task Search_finds_pushed_images_by_name_and_arch()
    {
        var arm = await sifs.CreateAsync(100_000, arch: "arm64");
        Assert.True((await Client("push", arm.Path, "alice/searchable/needle", "-arch", "arm64")).Succeeded);

        var byName = await Anonymous("search", "needle");
        var byArch = await Anonymous("search", "needle", "-arch", "arm64");
        var wrongArch = await Anonymous("search", "needle", "-arch", "ppc64le");

        Assert.True(byName.Succeeded, byName.Stderr);
        Assert.Contains(byName.Json["container"]!.AsArray(), c => (string?)c!["name"] == "needle");
        Assert.Contains(byArch.Json["image"]!.AsArray(), i => (string?)i!["hash"] == arm.Hash);
        Assert.True(wrongArch.Json["image"] is null || wrongArch.Json["image"]!.AsArray().Count == 0);
    }

    [Fact]
    public async Task Deleted_image_is_gone_and_a_missing_tag_is_a_clean_not_found()
    {
        var sif = await sifs.CreateAsync(100_000);
        Assert.True((await Client("push", sif.Path, "alice/gone/soon", "-tags", "v1")).Succeeded);

        var deleted = await Client("delete", "alice/gone/soon:v1", "-arch", "amd64");
        Assert.True(deleted.Succeeded, deleted.Stderr);

        var output = Path.Combine(sifs.Folder, "missing.sif");
        var afterDelete = await Client("pull", "alice/gone/soon", "v1", output);
        var neverTagged = await Client("pull", "alice/gone/soon", "no-such-tag", output);
        Assert.False(afterDelete.Succeeded);
        Assert.Contains("not found", afterDelete.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", neverTagged.Error, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Push_with_a_bad_token_is_refused_and_stores_nothing()
    {
        var sif = await sifs.CreateAsync(100_000);

        var refused = await LibraryClientDriver.RunAsync(server.BaseUrl, "sreg_not-a-real-token", "push", sif.Path, "alice/e2e/refused");

        Assert.False(refused.Succeeded);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
        Assert.False((await Anonymous("search", "refused")).Json["container"]?.AsArray().Count > 0);
    }

    [Fact]
    public async Task Private_image_is_not_found_for_anonymous_pulls()
    {
        var sif = await sifs.CreateAsync(100_000);
        Assert.True((await Client("push", sif.Path, "alice/secret/thing")).Succeeded);
        await server.MakeCollectionPrivateAsync("secret");

        var output = Path.Combine(sifs.Folder, "private.sif");
        var anonymous = await Anonymous("pull", "alice/secret/thing", "latest", output);
        var anonymousConcurrent = await Anonymous("pull", "alice/secret/thing", "latest", output, "-concurrency", "2");

        Assert.Contains("not found", anonymous.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", anonymousConcurrent.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(sif.Hash, await PullHashAsync("alice/secret/thing", "latest"));
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
