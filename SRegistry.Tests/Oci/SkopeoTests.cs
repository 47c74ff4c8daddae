using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.Oci;

/// <summary>
/// Debian's skopeo (containers/image, the library podman and buildah use) copies OCI layouts to a registry and back,
/// lists tags, inspects and deletes: against the reference registry, and against SRegistry once its OCI side is on
/// (<see cref="OciRegistries.SRegistryServesOci"/>). Every blob must come back with the digest it went out with.
/// </summary>
public sealed class SkopeoTests : IClassFixture<OciRegistries>, IDisposable
{
    private readonly OciRegistries registries;
    private readonly OciLayouts layouts = new();
    private readonly Skopeo skopeo = new();

    public SkopeoTests(OciRegistries registries)
    {
        Assert.SkipUnless(OciRegistries.ToolsAvailable && Infrastructure.SifFiles.SiftoolAvailable, "skopeo, docker-registry or siftool is not installed");
        this.registries = registries;
    }

    public static TheoryData<string> Targets => OciRegistries.Names;

    [Theory, MemberData(nameof(Targets))]
    public async Task A_SIF_artifact_goes_to_the_registry_and_comes_back_byte_for_byte(string name)
    {
        var target = registries.LoginTarget(name);
        var layout = await layouts.SifArtifactAsync("v1");
        await RoundTripAsync(target, layout, "alice/skopeo/sif");
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task An_ordinary_image_goes_to_the_registry_and_comes_back_byte_for_byte(string name)
    {
        var target = registries.LoginTarget(name);
        var layout = await layouts.ImageAsync("1.0");
        await RoundTripAsync(target, layout, "alice/skopeo/image");
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task List_tags_names_every_pushed_tag_and_inspect_returns_the_manifest_as_pushed(string name)
    {
        var target = registries.LoginTarget(name);
        var layout = await layouts.SifArtifactAsync("one");
        const string repository = "alice/skopeo/tags";
        foreach (var tag in new[] { "one", "two" })
        {
            Assert.True((await skopeo.CopyAsync($"oci:{layout.Folder}:one", target.Reference(repository, tag), target.Creds)).Succeeded);
        }

        var tags = await skopeo.ListTagsAsync(target.Repository(repository), target.Creds);
        Assert.True(tags.Succeeded, tags.ToString());
        Assert.Equal(["one", "two"], JsonNode.Parse(tags.Stdout)!["Tags"]!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
        var raw = await skopeo.InspectRawAsync(target.Reference(repository, "two"), target.Creds);
        Assert.True(raw.Succeeded, raw.ToString());
        var manifest = await File.ReadAllTextAsync(OciLayout.BlobPath(layout.Folder, layout.ManifestDigest));
        Assert.Equal(manifest, raw.Stdout.TrimEnd('\n'));
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task Delete_removes_the_manifest_so_the_tag_no_longer_resolves(string name)
    {
        var target = registries.LoginTarget(name);
        var layout = await layouts.ImageAsync("gone");
        const string repository = "alice/skopeo/deleted";
        Assert.True((await skopeo.CopyAsync($"oci:{layout.Folder}:gone", target.Reference(repository, "gone"), target.Creds)).Succeeded);

        var deleted = await skopeo.DeleteAsync(target.Reference(repository, "gone"), target.Creds);
        Assert.True(deleted.Succeeded, deleted.ToString());
        var inspect = await skopeo.InspectRawAsync(target.Reference(repository, "gone"), target.Creds);
        Assert.False(inspect.Succeeded, inspect.ToString());
        Assert.Contains("manifest unknown", inspect.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task Anyone_pulls_a_public_repository_without_credentials(string name)
    {
        var target = registries.LoginTarget(name);
        var layout = await layouts.SifArtifactAsync("open");
        const string repository = "alice/skopeo/public";
        Assert.True((await skopeo.CopyAsync($"oci:{layout.Folder}:open", target.Reference(repository, "open"), target.Creds)).Succeeded);

        var back = layouts.NewFolder();
        var pulled = await skopeo.CopyAsync(target.Reference(repository, "open"), $"oci:{back}:open");
        Assert.True(pulled.Succeeded, pulled.ToString());
        await AssertSameBlobsAsync(layout, back);
    }

    [Fact]
    public async Task A_private_repository_is_not_there_for_anonymous_skopeo()
    {
        var target = registries.LoginTarget(OciTarget.SRegistry);
        var layout = await layouts.SifArtifactAsync("hidden");
        const string repository = "alice/skopeo-private/sif";
        Assert.True((await skopeo.CopyAsync($"oci:{layout.Folder}:hidden", target.Reference(repository, "hidden"), target.Creds)).Succeeded);
        await registries.SRegistryServer.MakeCollectionPrivateAsync("skopeo-private");

        var anonymous = await skopeo.InspectRawAsync(target.Reference(repository, "hidden"));
        Assert.False(anonymous.Succeeded, anonymous.ToString());
        Assert.True((await skopeo.InspectRawAsync(target.Reference(repository, "hidden"), target.Creds)).Succeeded);
    }

    private async Task RoundTripAsync(OciTarget target, OciLayout layout, string repository)
    {
        var pushed = await skopeo.CopyAsync($"oci:{layout.Folder}:{layout.Tag}", target.Reference(repository, layout.Tag), target.Creds);
        Assert.True(pushed.Succeeded, pushed.ToString());

        var back = layouts.NewFolder();
        var pulled = await skopeo.CopyAsync(target.Reference(repository, layout.Tag), $"oci:{back}:{layout.Tag}", target.Creds);
        Assert.True(pulled.Succeeded, pulled.ToString());
        await AssertSameBlobsAsync(layout, back);
    }

    /// <summary>The copy's index names the same manifest, and each blob is there with the bytes its digest says.</summary>
    private static async Task AssertSameBlobsAsync(OciLayout original, string copy)
    {
        var index = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(copy, "index.json")))!;
        Assert.Equal(original.ManifestDigest, (string)index["manifests"]![0]!["digest"]!);
        foreach (var digest in original.Digests)
        {
            var path = OciLayout.BlobPath(copy, digest);
            Assert.True(File.Exists(path), $"{digest} did not come back");
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
            Assert.Equal(await File.ReadAllBytesAsync(OciLayout.BlobPath(original.Folder, digest)), await File.ReadAllBytesAsync(path));
        }
    }

    public void Dispose()
    {
        layouts.Dispose();
        skopeo.Dispose();
    }
}
