using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.Oci;

/// <summary>The OCI distribution requests a client sends, step by step, over one <see cref="HttpClient"/>.</summary>
public sealed class OciProtocol(HttpClient http)
{
    public const string IndexType = "application/vnd.oci.image.index.v1+json";
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string SifConfigType = "application/vnd.sylabs.sif.config.v1+json";
    public const string SifLayerType = "application/vnd.sylabs.sif.layer.v1.sif";

    public HttpClient Http => http;

    public static string DigestOf(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>POST, then one PUT with the whole blob (the two-step monolithic form).</summary>
    public async Task<HttpResponseMessage> PushBlobAsync(string name, byte[] blob)
    {
        var started = await http.PostAsync($"v2/{name}/blobs/uploads/", null);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        return await http.PutAsync(WithDigest(started.Headers.Location!, DigestOf(blob)), new ByteArrayContent(blob));
    }

    /// <summary>POST, PATCH chunks of <paramref name="chunkSize"/> with <c>Content-Range</c> (following each <c>Location</c>), then PUT ?digest.</summary>
    public async Task<HttpResponseMessage> PushBlobChunkedAsync(string name, byte[] blob, int chunkSize)
    {
        var started = await http.PostAsync($"v2/{name}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!;
        for (var offset = 0; offset < blob.Length; offset += chunkSize)
        {
            var length = Math.Min(chunkSize, blob.Length - offset);
            var patched = await PatchAsync(location, blob.AsMemory(offset, length).ToArray(), offset);
            Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
            Assert.Equal($"0-{offset + length - 1}", patched.Headers.GetValues("Range").Single());
            location = patched.Headers.Location!;
        }
        return await http.PutAsync(WithDigest(location, DigestOf(blob)), null);
    }

    public Task<HttpResponseMessage> PatchAsync(Uri location, byte[] chunk, long start)
    {
        var content = new ByteArrayContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + chunk.Length - 1}");
        return http.PatchAsync(location, content);
    }

    public Task<HttpResponseMessage> PutManifestAsync(string name, string reference, byte[] manifest, string mediaType)
    {
        var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return http.PutAsync($"v2/{name}/manifests/{reference}", content);
    }

    public Task<HttpResponseMessage> GetManifestAsync(string name, string reference, params string[] accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{name}/manifests/{reference}");
        foreach (var type in accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }
        return http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetRangeAsync(string name, string digest, long from, long to)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{name}/blobs/{digest}");
        request.Headers.Range = new RangeHeaderValue(from, to);
        return http.SendAsync(request);
    }

    /// <summary>Pushes config and SIF layer, then a SIF artifact manifest under <paramref name="tag"/>; answers the manifest's bytes.</summary>
    public async Task<byte[]> PushSifArtifactAsync(string name, byte[] sif, string arch, string tag)
    {
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{arch}\",\"os\":\"linux\"}}");
        Assert.Equal(HttpStatusCode.Created, (await PushBlobAsync(name, config)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PushBlobChunkedAsync(name, sif, 64 * 1024)).StatusCode);
        var manifest = SifManifest(config, sif);
        var put = await PutManifestAsync(name, tag, manifest, ManifestType);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        return manifest;
    }

    public static byte[] SifManifest(byte[] config, byte[] sif) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = ManifestType,
        ["config"] = Descriptor(SifConfigType, config),
        ["layers"] = new JsonArray(Descriptor(SifLayerType, sif)),
    }.ToJsonString());

    public static JsonObject Descriptor(string mediaType, byte[] content) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = DigestOf(content),
        ["size"] = content.Length,
    };

    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response) =>
        (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![0]!["code"]!;

    private static Uri WithDigest(Uri location, string digest)
    {
        var text = location.ToString();
        return new Uri(text + (text.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest), UriKind.RelativeOrAbsolute);
    }
}
