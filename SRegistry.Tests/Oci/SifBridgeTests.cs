using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// One store, two protocols (docs/protocol/oci.md#sif-artifact): a library push is pullable as the clients' OCI SIF
/// artifact, exactly the request sequence of spec section 2; a SIF artifact pushed over OCI is the library's image and tag.
/// </summary>
public sealed class SifBridgeTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public SifBridgeTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task A_library_push_is_pulled_over_OCI_as_index_then_manifest_then_ranged_layer_with_stable_digests()
    {
        var token = await server.CreateTokenAsync("lena");
        var library = new LibraryProtocol(server.Client(token));
        var amd = await sifs.CreateAsync(700_000);
        var arm = await sifs.CreateAsync(300_000, arch: "arm64");
        await library.PushAsync("lena/tools/alpine", amd, tags: "3.19");
        await library.PushAsync("lena/tools/alpine", arm, arch: "arm64", tags: "3.19");
        var oci = new OciProtocol(server.Client());

        var index = await oci.GetManifestAsync("lena/tools/alpine", "3.19", OciProtocol.IndexType);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal(OciProtocol.IndexType, index.Content.Headers.ContentType!.ToString());
        var indexBytes = await index.Content.ReadAsByteArrayAsync();
        Assert.Equal(OciProtocol.DigestOf(indexBytes), index.Headers.GetValues("Docker-Content-Digest").Single());
        var entries = JsonNode.Parse(indexBytes)!["manifests"]!.AsArray();
        Assert.Equal(["amd64", "arm64"], entries.Select(e => (string)e!["platform"]!["architecture"]!));

        var amdEntry = entries.Single(e => (string)e!["platform"]!["architecture"]! == "amd64")!;
        var manifest = await oci.GetManifestAsync("lena/tools/alpine", (string)amdEntry["digest"]!, OciProtocol.ManifestType);
        Assert.Equal(OciProtocol.ManifestType, manifest.Content.Headers.ContentType!.ToString());
        var manifestBytes = await manifest.Content.ReadAsByteArrayAsync();
        Assert.Equal((string)amdEntry["digest"]!, OciProtocol.DigestOf(manifestBytes));
        var parsed = JsonNode.Parse(manifestBytes)!;
        Assert.Equal(OciProtocol.SifConfigType, (string)parsed["config"]!["mediaType"]!);
        var layer = parsed["layers"]!.AsArray().Single()!;
        Assert.Equal(OciProtocol.SifLayerType, (string)layer["mediaType"]!);
        Assert.Equal("sha256:" + amd.Hash["sha256.".Length..], (string)layer["digest"]!);

        var config = await oci.Http.GetAsync($"v2/lena/tools/alpine/blobs/{(string)parsed["config"]!["digest"]!}");
        var configBytes = await config.Content.ReadAsByteArrayAsync();
        Assert.Equal((string)parsed["config"]!["digest"]!, OciProtocol.DigestOf(configBytes));
        Assert.Equal("amd64", (string)JsonNode.Parse(configBytes)!["architecture"]!);

        // Three workers of 5 MiB in the clients; here ranges that split the file unevenly, each exactly what was asked.
        var whole = await File.ReadAllBytesAsync(amd.Path);
        using var assembled = new MemoryStream();
        for (long from = 0; from < whole.Length; from += 250_000)
        {
            var to = Math.Min(from + 249_999, whole.Length - 1);
            var part = await oci.GetRangeAsync("lena/tools/alpine", (string)layer["digest"]!, from, to);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            var bytes = await part.Content.ReadAsByteArrayAsync();
            Assert.Equal(to - from + 1, bytes.Length);
            assembled.Write(bytes);
        }
        Assert.Equal(whole, assembled.ToArray());

        // Asked again: the same bytes, so the same digests (nothing in them depends on the request or the time).
        var again = await oci.GetManifestAsync("lena/tools/alpine", "3.19", OciProtocol.IndexType);
        Assert.Equal(indexBytes, await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_one_architecture_tag_answers_exactly_the_media_type_asked_for()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("mona")));
        var sif = await sifs.CreateAsync(100_000);
        await library.PushAsync("mona/monatools/one", sif, tags: "v1");
        var oci = new OciProtocol(server.Client());

        var asIndex = await oci.GetManifestAsync("mona/monatools/one", "v1", OciProtocol.IndexType);
        var asManifest = await oci.GetManifestAsync("mona/monatools/one", "v1", OciProtocol.ManifestType);

        Assert.Equal(OciProtocol.IndexType, asIndex.Content.Headers.ContentType!.ToString());
        Assert.Equal(OciProtocol.ManifestType, asManifest.Content.Headers.ContentType!.ToString());
        var entry = JsonNode.Parse(await asIndex.Content.ReadAsStringAsync())!["manifests"]![0]!;
        Assert.Equal((string)entry["digest"]!, asManifest.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task A_SIF_artifact_pushed_over_OCI_is_the_library_image_and_tag_and_pulls_back_byte_for_byte()
    {
        var token = await server.CreateTokenAsync("nina");
        var oci = new OciProtocol(server.Client(token));
        var sif = await sifs.CreateAsync(400_000, arch: "arm64");
        var bytes = await File.ReadAllBytesAsync(sif.Path);

        var manifest = await oci.PushSifArtifactAsync("nina/ninatools/hello", bytes, "arm64", "v2");

        var library = new LibraryProtocol(server.Client(token));
        var image = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/nina/ninatools/hello:v2?arch=arm64"));
        Assert.Equal(sif.Hash, (string)image["hash"]!);
        Assert.Equal("arm64", (string)image["arch"]!);
        Assert.True((bool)image["uploaded"]!);
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("nina/ninatools/hello:v2", arch: "arm64"));
        // Over OCI the tag answers the manifest as it was pushed, not a derived one.
        var pulled = await oci.GetManifestAsync("nina/ninatools/hello", "v2", OciProtocol.IndexType, OciProtocol.ManifestType);
        Assert.Equal(manifest, await pulled.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_later_library_push_to_the_same_tag_wins_over_the_OCI_manifest()
    {
        var token = await server.CreateTokenAsync("olga");
        var oci = new OciProtocol(server.Client(token));
        var first = await File.ReadAllBytesAsync((await sifs.CreateAsync(50_000)).Path);
        await oci.PushSifArtifactAsync("olga/olgatools/moved", first, "amd64", "stable");
        var second = await sifs.CreateAsync(60_000);

        await new LibraryProtocol(server.Client(token)).PushAsync("olga/olgatools/moved", second, tags: "stable");

        var pulled = JsonNode.Parse(await (await oci.GetManifestAsync("olga/olgatools/moved", "stable", OciProtocol.ManifestType)).Content.ReadAsStringAsync())!;
        Assert.Equal("sha256:" + second.Hash["sha256.".Length..], (string)pulled["layers"]![0]!["digest"]!);
    }

    [Fact]
    public async Task A_manifest_whose_SIF_layer_is_not_a_SIF_is_refused_and_no_image_appears()
    {
        var token = await server.CreateTokenAsync("pia");
        var oci = new OciProtocol(server.Client(token));
        var notSif = RandomNumberGenerator.GetBytes(10_000);
        var config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}"u8.ToArray();
        await oci.PushBlobAsync("pia/piatools/fake", config);
        await oci.PushBlobAsync("pia/piatools/fake", notSif);

        var put = await oci.PutManifestAsync("pia/piatools/fake", "v1", OciProtocol.SifManifest(config, notSif), OciProtocol.ManifestType);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("MANIFEST_INVALID", await OciProtocol.ErrorCodeAsync(put));
        Assert.Equal(HttpStatusCode.NotFound, (await oci.GetManifestAsync("pia/piatools/fake", "v1")).StatusCode);
        await LibraryProtocol.ErrorAsync(await server.Client(token).GetAsync("v1/images/pia/piatools/fake:v1?arch=amd64"), HttpStatusCode.NotFound);
    }

    public void Dispose() => sifs.Dispose();
}
