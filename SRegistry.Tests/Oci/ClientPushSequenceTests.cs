using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// The exact request sequence of the v1.4 library clients' OCI push (docs/protocol/oci.md#push; spec section 3), sent
/// as they send it: credentials only after a 401, 5 MiB PATCH chunks with a bare <c>Content-Range</c>, the SIF's hash
/// as a tag, then an index per tag. The library then shows the image and tag.
/// </summary>
public sealed class ClientPushSequenceTests : IClassFixture<SmallPartServer>, IDisposable
{
    private const int ChunkSize = 5 * 1024 * 1024;
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public ClientPushSequenceTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task The_clients_push_sequence_lands_as_the_library_image_and_tag()
    {
        var token = await server.CreateTokenAsync("cleo");
        var sif = await sifs.CreateAsync(11 * 1024 * 1024);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"description\":\"\",\"signed\":false,\"encrypted\":false}");
        const string name = "cleo/seq/tool";
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/") };

        foreach (var blob in new[] { bytes, config })
        {
            // 1. Already there? Not yet: a challenge while the repository does not exist, then (public) not found.
            var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v2/{name}/blobs/{OciProtocol.DigestOf(blob)}"));
            Assert.Equal(blob == bytes ? HttpStatusCode.Unauthorized : HttpStatusCode.NotFound, head.StatusCode);
            // 2. The first POST goes without credentials and must be challenged; the retry carries them.
            var bare = await http.PostAsync($"v2/{name}/blobs/uploads/", null);
            Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
            Assert.StartsWith("Bearer realm=", bare.Headers.WwwAuthenticate.ToString());
            var auth = new AuthenticationHeaderValue("Bearer", token);
            var started = await SendAsync(http, HttpMethod.Post, $"v2/{name}/blobs/uploads/", auth, null);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var location = started.Headers.Location!;
            // 3. Chunks of 5 MiB, "<start>-<end>" without a unit, each answer's Location the next target.
            for (var offset = 0; offset < blob.Length; offset += ChunkSize)
            {
                var length = Math.Min(ChunkSize, blob.Length - offset);
                var chunk = new ByteArrayContent(blob, offset, length);
                chunk.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                chunk.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + length - 1}");
                var patched = await SendAsync(http, HttpMethod.Patch, location.ToString(), auth, chunk);
                Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
                location = patched.Headers.Location!;
            }
            var put = await SendAsync(http, HttpMethod.Put, $"{location}?digest={OciProtocol.DigestOf(blob)}", auth, null);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            var again = await SendAsync(http, HttpMethod.Head, $"v2/{name}/blobs/{OciProtocol.DigestOf(blob)}", auth, null);
            Assert.Equal(OciProtocol.DigestOf(blob), again.Headers.GetValues("Docker-Content-Digest").Single());
        }

        // 4. The manifest under the SIF's hash as a tag, then the index under the real tag.
        var bearer = new AuthenticationHeaderValue("Bearer", token);
        var manifest = OciProtocol.SifManifest(config, bytes);
        var hashTag = "sha256." + sif.Hash["sha256.".Length..];
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(http, HttpMethod.Put, $"v2/{name}/manifests/{hashTag}", bearer,
            Typed(manifest, OciProtocol.ManifestType))).StatusCode);
        var descriptor = OciProtocol.Descriptor(OciProtocol.ManifestType, manifest);
        descriptor["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciProtocol.IndexType,
            ["manifests"] = new JsonArray(descriptor),
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(http, HttpMethod.Put, $"v2/{name}/manifests/1.0", bearer,
            Typed(index, OciProtocol.IndexType))).StatusCode);

        var library = new LibraryProtocol(server.Client(token));
        var image = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/cleo/seq/tool:1.0?arch=amd64"));
        Assert.Equal(sif.Hash, (string)image["hash"]!);
        Assert.Equal(["1.0"], image["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("cleo/seq/tool:1.0"));
        // The pull side of the clients gets the pushed index back, exactly.
        var pulled = await new OciProtocol(server.Client(token)).GetManifestAsync(name, "1.0", OciProtocol.IndexType);
        Assert.Equal(index, await pulled.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_retry_with_Authorization_none_is_an_anonymous_caller()
    {
        var token = await server.CreateTokenAsync("dora");
        await new LibraryProtocol(server.Client(token)).PushAsync("dora/public/tool", await sifs.CreateAsync(10_000), tags: "v1");
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/") };

        var request = new HttpRequestMessage(HttpMethod.Get, "v2/dora/public/tool/manifests/v1");
        request.Headers.TryAddWithoutValidation("Authorization", "none");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(OciProtocol.IndexType));
        var pulled = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
        Assert.Equal(OciProtocol.IndexType, pulled.Content.Headers.ContentType!.ToString());
    }

    private static ByteArrayContent Typed(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, AuthenticationHeaderValue auth, HttpContent? body)
    {
        var request = new HttpRequestMessage(method, url) { Content = body };
        request.Headers.Authorization = auth;
        return http.SendAsync(request);
    }

    public void Dispose() => sifs.Dispose();
}
