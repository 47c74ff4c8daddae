using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>Blob uploads over OCI: chunks in order only, the digest checked before anything is visible, mounts, and ordinary images.</summary>
public sealed class OciUploadTests(SmallPartServer server) : IClassFixture<SmallPartServer>
{
    [Fact]
    public async Task Chunks_must_follow_on_and_a_wrong_digest_stores_nothing()
    {
        var oci = new OciProtocol(server.Client(await server.CreateTokenAsync("quinn")));
        var blob = RandomNumberGenerator.GetBytes(300_000);
        var started = await oci.Http.PostAsync("v2/quinn/chunks/c/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("0-0", started.Headers.GetValues("Range").Single());
        var location = started.Headers.Location!;

        var first = await oci.PatchAsync(location, blob[..100_000], 0);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("0-99999", first.Headers.GetValues("Range").Single());
        var skipped = await oci.PatchAsync(first.Headers.Location!, blob[200_000..], 200_000);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, skipped.StatusCode);
        Assert.Equal("0-99999", skipped.Headers.GetValues("Range").Single());
        var status = await oci.Http.GetAsync(first.Headers.Location!);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-99999", status.Headers.GetValues("Range").Single());

        var rest = await oci.PatchAsync(first.Headers.Location!, blob[100_000..], 100_000);
        var wrong = "sha256:" + new string('0', 64);
        var refused = await oci.Http.PutAsync(rest.Headers.Location + "?digest=" + wrong, null);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("DIGEST_INVALID", await OciProtocol.ErrorCodeAsync(refused));
        Assert.Equal(HttpStatusCode.NotFound, (await oci.Http.GetAsync($"v2/quinn/chunks/c/blobs/{OciProtocol.DigestOf(blob)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await oci.Http.GetAsync(rest.Headers.Location!)).StatusCode);
        var uploadId = started.Headers.GetValues("Docker-Upload-UUID").Single();
        Assert.False(File.Exists(Path.Combine(server.DataPath, "uploads", $"oci-{uploadId}.upload")), "the refused upload's bytes are still staged");

        var pushed = await oci.PushBlobChunkedAsync("quinn/chunks/c", blob, 64 * 1024);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        Assert.Equal(OciProtocol.DigestOf(blob), pushed.Headers.GetValues("Docker-Content-Digest").Single());
        var head = await oci.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v2/quinn/chunks/c/blobs/{OciProtocol.DigestOf(blob)}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(blob.Length, head.Content.Headers.ContentLength);
        Assert.Equal(blob, await oci.Http.GetByteArrayAsync($"v2/quinn/chunks/c/blobs/{OciProtocol.DigestOf(blob)}"));
    }

    [Fact]
    public async Task An_ordinary_image_with_a_monolithic_POST_is_stored_and_counted_once_against_the_quota()
    {
        var token = await server.CreateTokenAsync("rosa");
        var oci = new OciProtocol(server.Client(token));
        var layer = RandomNumberGenerator.GetBytes(120_000);
        var config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"u8.ToArray();
        var oneShot = await oci.Http.PostAsync($"v2/rosa/plain/app/blobs/uploads/?digest={OciProtocol.DigestOf(layer)}", new ByteArrayContent(layer));
        Assert.Equal(HttpStatusCode.Created, oneShot.StatusCode);
        await oci.PushBlobAsync("rosa/plain/app", config);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciProtocol.ManifestType,
            ["config"] = OciProtocol.Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(OciProtocol.Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
        }.ToJsonString());

        var put = await oci.PutManifestAsync("rosa/plain/app", "1.0", manifest, OciProtocol.ManifestType);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(OciProtocol.DigestOf(manifest), put.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.EndsWith($"/v2/rosa/plain/app/manifests/{OciProtocol.DigestOf(manifest)}", put.Headers.Location!.ToString());

        // The same layer pushed again into the same repository is not counted twice.
        await oci.PushBlobAsync("rosa/plain/app", layer);
        var usage = await server.InScopeAsync(async services =>
            (await services.GetRequiredService<SRegistry.Core.Quotas.QuotaAccounting>().ForUserAsync(await UserIdAsync(services, "rosa"))).UsedBytes);
        Assert.Equal(layer.Length + config.Length, usage);
        Assert.Equal(manifest, await (await oci.GetManifestAsync("rosa/plain/app", "1.0", OciProtocol.ManifestType)).Content.ReadAsByteArrayAsync());
        // An ordinary image is no library image; the library's answer names its config type, which SingularityCE 4
        // reads as "pull it over OCI" (spec section 4). A tag that is nothing at all says nothing of the kind.
        var message = await LibraryProtocol.ErrorAsync(await server.Client(token).GetAsync("v1/images/rosa/plain/app:1.0"), HttpStatusCode.NotFound);
        Assert.Contains("application/vnd.oci.image.config.v1+json", message, StringComparison.Ordinal);
        var absent = await LibraryProtocol.ErrorAsync(await server.Client(token).GetAsync("v1/images/rosa/plain/app:2.0"), HttpStatusCode.NotFound);
        Assert.DoesNotContain("application/vnd.oci.image.config.v1+json", absent, StringComparison.Ordinal);
        var stranger = await server.CreateTokenAsync("rosa-stranger");
        await server.MakeCollectionPrivateAsync("plain");
        var hidden = await LibraryProtocol.ErrorAsync(await server.Client(stranger).GetAsync("v1/images/rosa/plain/app:1.0"), HttpStatusCode.NotFound);
        Assert.DoesNotContain("oci", hidden, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_blob_mounts_from_a_repository_the_caller_can_read_and_not_from_one_hidden_from_them()
    {
        var owner = new OciProtocol(server.Client(await server.CreateTokenAsync("sven")));
        var blob = RandomNumberGenerator.GetBytes(50_000);
        var digest = OciProtocol.DigestOf(blob);
        await owner.PushBlobAsync("sven/secret/box", blob);
        await server.MakeCollectionPrivateAsync("secret");
        await owner.PushBlobAsync("sven/shared/box", blob);
        var other = new OciProtocol(server.Client(await server.CreateTokenAsync("tove")));

        var hidden = await other.Http.PostAsync($"v2/tove/mine/box/blobs/uploads/?mount={digest}&from=sven/secret/box", null);
        var visible = await other.Http.PostAsync($"v2/tove/mine/box/blobs/uploads/?mount={digest}&from=sven/shared/box", null);

        Assert.Equal(HttpStatusCode.Accepted, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.Created, visible.StatusCode);
        Assert.Equal(digest, visible.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(blob, await other.Http.GetByteArrayAsync($"v2/tove/mine/box/blobs/{digest}"));
        Assert.Equal(1, await server.BlobCopiesAsync("sha256." + digest[7..]));
    }

    [Fact]
    public async Task A_manifest_naming_a_blob_the_repository_lacks_is_refused()
    {
        var oci = new OciProtocol(server.Client(await server.CreateTokenAsync("uma")));
        var config = "{}"u8.ToArray();
        await oci.PushBlobAsync("uma/partial/app", config);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciProtocol.ManifestType,
            ["config"] = OciProtocol.Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(OciProtocol.Descriptor("application/vnd.oci.image.layer.v1.tar", "never pushed"u8.ToArray())),
        }.ToJsonString());

        var put = await oci.PutManifestAsync("uma/partial/app", "v1", manifest, OciProtocol.ManifestType);
        var garbled = await oci.PutManifestAsync("uma/partial/app", "v1", "{not json"u8.ToArray(), OciProtocol.ManifestType);
        var misnamed = await oci.PutManifestAsync("uma/partial/app", "sha256:" + new string('a', 64), manifest, OciProtocol.ManifestType);

        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await OciProtocol.ErrorCodeAsync(put));
        Assert.Equal("MANIFEST_INVALID", await OciProtocol.ErrorCodeAsync(garbled));
        Assert.Equal("DIGEST_INVALID", await OciProtocol.ErrorCodeAsync(misnamed));
        Assert.Equal(HttpStatusCode.NotFound, (await oci.GetManifestAsync("uma/partial/app", "v1")).StatusCode);
    }

    [Fact]
    public async Task An_upload_stops_at_the_quota_chunk_by_chunk_and_keeps_nothing_beyond_it()
    {
        var oci = new OciProtocol(server.Client(await server.CreateTokenAsync("ugo")));
        await server.InScopeAsync(async services =>
            await services.GetRequiredService<SRegistry.Core.Data.RegistryDbContext>().Users.Where(u => u.Username == "ugo")
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 150_000)));
        var blob = RandomNumberGenerator.GetBytes(200_000);
        var started = await oci.Http.PostAsync("v2/ugo/capped/c/blobs/uploads/", null);
        var first = await oci.PatchAsync(started.Headers.Location!, blob[..100_000], 0);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        var over = await oci.PatchAsync(first.Headers.Location!, blob[100_000..], 100_000);

        Assert.Equal(HttpStatusCode.Forbidden, over.StatusCode);
        Assert.Equal("DENIED", await OciProtocol.ErrorCodeAsync(over));
        Assert.Contains("quota", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var staged = Path.Combine(server.DataPath, "uploads", $"oci-{started.Headers.GetValues("Docker-Upload-UUID").Single()}.upload");
        Assert.Equal(100_000, new FileInfo(staged).Length);
        Assert.Equal("0-99999", (await oci.Http.GetAsync(first.Headers.Location!)).Headers.GetValues("Range").Single());
    }

    private static async Task<string> UserIdAsync(IServiceProvider services, string username) =>
        (await services.GetRequiredService<SRegistry.Core.Accounts.UserAccounts>().EnsureLocalUserAsync(username, false)).Id;
}
