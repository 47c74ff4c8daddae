using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>Who sees and changes what over OCI, tags and their pages, referrers, and deletes that the library sees too.</summary>
public sealed class OciRepositoryTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public OciRepositoryTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Public_pulls_are_anonymous_private_ones_are_invisible_and_pushes_need_a_login()
    {
        var owner = await server.CreateTokenAsync("vera");
        await new LibraryProtocol(server.Client(owner)).PushAsync("vera/open/tool", await sifs.CreateAsync(20_000), tags: "v1");
        await new LibraryProtocol(server.Client(owner)).PushAsync("vera/closed/tool", await sifs.CreateAsync(20_000), tags: "v1");
        await server.MakeCollectionPrivateAsync("closed");
        var anonymous = new OciProtocol(server.Client());
        var stranger = new OciProtocol(server.Client(await server.CreateTokenAsync("walt")));

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetManifestAsync("vera/open/tool", "v1")).StatusCode);
        var challenged = await anonymous.GetManifestAsync("vera/closed/tool", "v1");
        Assert.Equal(HttpStatusCode.Unauthorized, challenged.StatusCode);
        Assert.Contains("scope=\"repository:vera/closed/tool:pull\"", challenged.Headers.WwwAuthenticate.ToString());
        // A private repository and one that does not exist answer alike.
        var hidden = await stranger.GetManifestAsync("vera/closed/tool", "v1");
        var absent = await stranger.GetManifestAsync("vera/nothing/tool", "v1");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal("NAME_UNKNOWN", await OciProtocol.ErrorCodeAsync(hidden));
        Assert.Equal(await OciProtocol.ErrorCodeAsync(absent), await OciProtocol.ErrorCodeAsync(hidden));

        var anonymousPush = await anonymous.Http.PostAsync("v2/vera/open/tool/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPush.StatusCode);
        Assert.Contains("repository:vera/open/tool:pull,push", anonymousPush.Headers.WwwAuthenticate.ToString());
        var strangerPush = await stranger.Http.PostAsync("v2/vera/open/tool/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Forbidden, strangerPush.StatusCode);
        Assert.Equal("DENIED", await OciProtocol.ErrorCodeAsync(strangerPush));
        // Into someone else's namespace: unknown, whether a private collection is there or not.
        var strangerHiddenPush = await stranger.Http.PostAsync("v2/vera/closed/tool/blobs/uploads/", null);
        var strangerAbsentPush = await stranger.Http.PostAsync("v2/vera/nothing/tool/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.NotFound, strangerHiddenPush.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerAbsentPush.StatusCode);
        Assert.Equal("NAME_UNKNOWN", await OciProtocol.ErrorCodeAsync(strangerHiddenPush));
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.GetManifestAsync("two/segments", "v1")).StatusCode);
    }

    [Fact]
    public async Task Tags_list_in_order_across_both_protocols_with_pages_linked_by_last()
    {
        var token = await server.CreateTokenAsync("xena");
        var library = new LibraryProtocol(server.Client(token));
        var sif = await sifs.CreateAsync(10_000);
        await library.PushAsync("xena/paged/tool", sif, tags: ["b", "d"]);
        var oci = new OciProtocol(server.Client(token));
        await oci.PushSifArtifactAsync("xena/paged/tool", await File.ReadAllBytesAsync(sif.Path), "amd64", "a");
        await oci.PushSifArtifactAsync("xena/paged/tool", await File.ReadAllBytesAsync(sif.Path), "amd64", "c");

        var first = await oci.Http.GetAsync("v2/xena/paged/tool/tags/list?n=3");
        var body = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("xena/paged/tool", (string)body["name"]!);
        Assert.Equal(["a", "b", "c"], body["tags"]!.AsArray().Select(t => (string)t!));
        var link = first.Headers.GetValues("Link").Single();
        Assert.Equal("</v2/xena/paged/tool/tags/list?n=3&last=c>; rel=\"next\"", link);
        var second = JsonNode.Parse(await oci.Http.GetStringAsync("v2/xena/paged/tool/tags/list?n=3&last=c"))!;
        Assert.Equal(["d"], second["tags"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task A_referrer_names_its_subject_and_is_listed_filtered_by_artifact_type()
    {
        var oci = new OciProtocol(server.Client(await server.CreateTokenAsync("yves")));
        var sif = await File.ReadAllBytesAsync((await sifs.CreateAsync(10_000)).Path);
        var subject = await oci.PushSifArtifactAsync("yves/signed/tool", sif, "amd64", "v1");
        var empty = "{}"u8.ToArray();
        await oci.PushBlobAsync("yves/signed/tool", empty);
        var signature = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciProtocol.ManifestType,
            ["artifactType"] = "application/vnd.example.signature",
            ["config"] = OciProtocol.Descriptor("application/vnd.oci.empty.v1+json", empty),
            ["layers"] = new JsonArray(OciProtocol.Descriptor("application/vnd.oci.empty.v1+json", empty)),
            ["subject"] = OciProtocol.Descriptor(OciProtocol.ManifestType, subject),
            ["annotations"] = new JsonObject { ["org.example.by"] = "yves" },
        }.ToJsonString());

        var put = await oci.PutManifestAsync("yves/signed/tool", OciProtocol.DigestOf(signature), signature, OciProtocol.ManifestType);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(OciProtocol.DigestOf(subject), put.Headers.GetValues("OCI-Subject").Single());

        var listed = await oci.Http.GetAsync($"v2/yves/signed/tool/referrers/{OciProtocol.DigestOf(subject)}");
        Assert.Equal(OciProtocol.IndexType, listed.Content.Headers.ContentType!.ToString());
        var entry = JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["manifests"]!.AsArray().Single()!;
        Assert.Equal(OciProtocol.DigestOf(signature), (string)entry["digest"]!);
        Assert.Equal("application/vnd.example.signature", (string)entry["artifactType"]!);
        Assert.Equal("yves", (string)entry["annotations"]!["org.example.by"]!);
        var filtered = await oci.Http.GetAsync($"v2/yves/signed/tool/referrers/{OciProtocol.DigestOf(subject)}?artifactType=application/other");
        Assert.Empty(JsonNode.Parse(await filtered.Content.ReadAsStringAsync())!["manifests"]!.AsArray());
        Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
    }

    [Fact]
    public async Task Deleting_a_tag_or_a_SIF_manifest_over_OCI_removes_the_library_tag_or_image_and_linked_bytes_survive_collection()
    {
        var token = await server.CreateTokenAsync("zoe");
        var oci = new OciProtocol(server.Client(token));
        var sif = await sifs.CreateAsync(30_000);
        var library = new LibraryProtocol(server.Client(token));
        await library.PushAsync("zoe/gone/tool", sif, tags: ["keep", "drop"]);

        Assert.Equal(HttpStatusCode.Accepted, (await oci.Http.DeleteAsync("v2/zoe/gone/tool/manifests/drop")).StatusCode);
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync("v1/images/zoe/gone/tool:drop?arch=amd64"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await library.Http.GetAsync("v1/images/zoe/gone/tool:keep?arch=amd64")).StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await OciProtocol.ErrorCodeAsync(await oci.Http.DeleteAsync("v2/zoe/gone/tool/manifests/drop")));

        var manifest = await oci.GetManifestAsync("zoe/gone/tool", "keep", OciProtocol.ManifestType);
        var digest = manifest.Headers.GetValues("Docker-Content-Digest").Single();
        Assert.Equal(HttpStatusCode.Accepted, (await oci.Http.DeleteAsync($"v2/zoe/gone/tool/manifests/{digest}")).StatusCode);
        await LibraryProtocol.ErrorAsync(await library.Http.GetAsync("v1/images/zoe/gone/tool:keep?arch=amd64"), HttpStatusCode.NotFound);
        Assert.Null(await server.BlobSizeAsync(sif.Hash));

        // A blob linked over OCI alone is kept by the garbage collector.
        var loose = RandomNumberGenerator.GetBytes(5_000);
        await oci.PushBlobAsync("zoe/gone/tool", loose);
        var report = await server.InScopeAsync(services => services.GetRequiredService<SRegistry.Core.Storage.GarbageCollector>().CollectUnreferencedAsync(dryRun: false));
        Assert.Equal(loose, await oci.Http.GetByteArrayAsync($"v2/zoe/gone/tool/blobs/{OciProtocol.DigestOf(loose)}"));
        Assert.True(report.BlobsKept >= 1);
    }

    public void Dispose() => sifs.Dispose();
}
