using System.Text.Json.Nodes;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// One store, two protocols, real clients on both sides (issue 18 item 5): skopeo pulls what Apptainer's library
/// client pushed, and the library client pulls what skopeo pushed, byte for byte.
/// </summary>
public sealed class CrossClientTests : IClassFixture<OciRegistries>, IDisposable
{
    private readonly OciRegistries registries;
    private readonly OciLayouts layouts = new();
    private readonly SifFiles sifs = new();
    private readonly Skopeo skopeo = new();

    public CrossClientTests(OciRegistries registries)
    {
        Assert.SkipUnless(OciRegistries.ToolsAvailable && LibraryClientDriver.Available && SifFiles.SiftoolAvailable,
            "skopeo, docker-registry, the library client source or siftool is not installed");
        this.registries = registries;
    }

    [Fact]
    public async Task Skopeo_pulls_anonymously_what_the_library_client_pushed_byte_for_byte()
    {
        // skopeo asks /v2/token for an anonymous token too, so this waits for the token endpoint as well.
        var target = registries.LoginTarget(OciTarget.SRegistry);
        var sif = await sifs.CreateAsync(1024 * 1024);
        var pushed = await LibraryClientDriver.RunAsync(registries.SRegistryServer.BaseUrl, target.Secret, "push", sif.Path, "alice/cross/library", "-tags", "v1");
        Assert.True(pushed.Succeeded, pushed.Stderr);

        var back = layouts.NewFolder();
        var pulled = await skopeo.CopyAsync(target.Reference("alice/cross/library", "v1"), $"oci:{back}:v1");
        Assert.True(pulled.Succeeded, pulled.ToString());
        // The tag names an index; skopeo takes this machine's platform (amd64) from it and writes that image.
        var index = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(back, "index.json")))!;
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(OciLayout.BlobPath(back, (string)index["manifests"]![0]!["digest"]!)))!;
        Assert.Equal(OciLayouts.SifConfigType, (string)manifest["config"]!["mediaType"]!);
        var layer = manifest["layers"]!.AsArray().Single()!;
        Assert.Equal(OciLayouts.SifLayerType, (string)layer["mediaType"]!);
        Assert.Equal("sha256:" + sif.Hash["sha256.".Length..], (string)layer["digest"]!);
        Assert.Equal(await File.ReadAllBytesAsync(sif.Path), await File.ReadAllBytesAsync(OciLayout.BlobPath(back, (string)layer["digest"]!)));
    }

    [Fact]
    public async Task The_library_client_pulls_what_skopeo_pushed_byte_for_byte()
    {
        var target = registries.LoginTarget(OciTarget.SRegistry);
        var layout = await layouts.SifArtifactAsync("v1", payloadBytes: 1024 * 1024);
        var pushed = await skopeo.CopyAsync($"oci:{layout.Folder}:v1", target.Reference("alice/cross/skopeo", "v1"), target.Creds);
        Assert.True(pushed.Succeeded, pushed.ToString());

        var output = Path.Combine(sifs.Folder, "pulled.sif");
        var pulled = await LibraryClientDriver.RunAsync(registries.SRegistryServer.BaseUrl, target.Secret, "pull", "alice/cross/skopeo", "v1", output);
        Assert.True(pulled.Succeeded, pulled.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(OciLayout.BlobPath(layout.Folder, layout.LayerDigest)), await File.ReadAllBytesAsync(output));
    }

    public void Dispose()
    {
        layouts.Dispose();
        sifs.Dispose();
        skopeo.Dispose();
    }
}
