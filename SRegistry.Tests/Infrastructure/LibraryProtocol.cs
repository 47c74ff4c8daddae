using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// The library protocol spoken step by step over HTTP, the way the Go client does it (JSON bodies without a
/// Content-Type, BEARER in upper case), so protocol tests can stop, break or repeat any single step.
/// </summary>
public sealed class LibraryProtocol(HttpClient http)
{
    public HttpClient Http => http;

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8)
    {
        Headers = { ContentType = null },
    };

    public static async Task<JsonNode> DataAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    /// <summary>Asserts the protocol's error envelope with <c>code</c> equal to the HTTP status, and returns the message.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal((int)expected, (int)error["code"]!);
        var message = (string)error["message"]!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }

    /// <summary>Resolves or creates entity, collection and container as push does (docs/protocol/library.md#push-namespace); returns the container ID.</summary>
    public async Task<string> EnsureContainerAsync(string entity, string collection, string container)
    {
        var entityResponse = await http.GetAsync($"v1/entities/{entity}");
        var entityId = entityResponse.StatusCode == HttpStatusCode.NotFound
            ? (string)(await DataAsync(await http.PostAsync("v1/entities", Json(new { name = entity, description = "No description" }))))["id"]!
            : (string)(await DataAsync(entityResponse))["id"]!;
        var collectionResponse = await http.GetAsync($"v1/collections/{entity}/{collection}");
        var collectionId = collectionResponse.StatusCode == HttpStatusCode.NotFound
            ? (string)(await DataAsync(await http.PostAsync("v1/collections", Json(new { name = collection, entity = entityId, description = "No description", @private = false }))))["id"]!
            : (string)(await DataAsync(collectionResponse))["id"]!;
        var containerResponse = await http.GetAsync($"v1/containers/{entity}/{collection}/{container}");
        return containerResponse.StatusCode == HttpStatusCode.NotFound
            ? (string)(await DataAsync(await http.PostAsync("v1/containers", Json(new { name = container, collection = collectionId, description = "No description" }))))["id"]!
            : (string)(await DataAsync(containerResponse))["id"]!;
    }

    /// <summary>Finds or creates the image record for a hash (docs/protocol/library.md#l7 then L8); returns (id, uploaded).</summary>
    public async Task<(string Id, bool Uploaded)> EnsureImageAsync(string reference, string containerId, string hash, string arch = "amd64")
    {
        var found = await http.GetAsync($"v1/images/{reference}:{hash}?arch={arch}");
        var image = found.StatusCode == HttpStatusCode.NotFound
            ? await DataAsync(await http.PostAsync("v1/images", Json(new { hash, container = containerId, description = "" })))
            : await DataAsync(found);
        return ((string)image["id"]!, (bool)image["uploaded"]!);
    }

    /// <summary>Single-part upload (U2, U3, U4).</summary>
    public async Task<JsonNode> UploadSingleAsync(string imageId, string path, string hash)
    {
        var size = new FileInfo(path).Length;
        var start = await DataAsync(await http.PostAsync($"v2/imagefile/{imageId}",
            Json(new { filesize = size, sha256sum = hash["sha256.".Length..], md5sum = "" })));
        using (var anonymous = new HttpClient())
        await using (var file = File.OpenRead(path))
        {
            var put = await anonymous.PutAsync((string)start["uploadURL"]!, new StreamContent(file));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        return await DataAsync(await http.PutAsync($"v2/imagefile/{imageId}/_complete", Json(new { })));
    }

    /// <summary>Multipart upload (U5 to U8), parts in order as the client sends them.</summary>
    public async Task<JsonNode> UploadMultipartAsync(string imageId, string path)
    {
        var size = new FileInfo(path).Length;
        var plan = await DataAsync(await http.PostAsync($"v2/imagefile/{imageId}/_multipart", Json(new { filesize = size })));
        var uploadId = (string)plan["uploadID"]!;
        var partSize = (long)plan["partSize"]!;
        var totalParts = (int)plan["totalParts"]!;
        var completed = new List<object>();
        await using var file = File.OpenRead(path);
        using var anonymous = new HttpClient();
        for (var part = 1; part <= totalParts; part++)
        {
            var length = (int)Math.Min(partSize, size - ((part - 1) * partSize));
            var buffer = new byte[length];
            await file.ReadExactlyAsync(buffer);
            var url = await DataAsync(await http.PutAsync($"v2/imagefile/{imageId}/_multipart",
                Json(new { partSize = length, uploadID = uploadId, partNumber = part, sha256sum = "" })));
            var put = await anonymous.PutAsync((string)url["presignedURL"]!, new ByteArrayContent(buffer));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            completed.Add(new { partNumber = part, token = put.Headers.ETag?.ToString() ?? "" });
        }
        return await DataAsync(await http.PutAsync($"v2/imagefile/{imageId}/_multipart_complete",
            Json(new { uploadID = uploadId, completedParts = completed })));
    }

    public async Task SetTagAsync(string containerId, string imageId, string tag, string arch = "amd64")
    {
        var response = await http.PostAsync($"v2/tags/{containerId}", Json(new { Arch = arch, Tag = tag, ImageID = imageId }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The whole push of docs/protocol/library.md#push: namespace, image record, upload when needed, then tags. Returns the image ID.</summary>
    public async Task<string> PushAsync(string reference, (string Path, string Hash, long Size) sif, string arch = "amd64", bool multipart = false,
        params string[] tags)
    {
        var parts = reference.Split('/');
        var containerId = await EnsureContainerAsync(parts[0], parts[1], parts[2]);
        var (imageId, uploaded) = await EnsureImageAsync(reference, containerId, sif.Hash, arch);
        if (!uploaded)
        {
            _ = multipart ? await UploadMultipartAsync(imageId, sif.Path) : await UploadSingleAsync(imageId, sif.Path, sif.Hash);
        }
        foreach (var tag in tags.Length == 0 ? ["latest"] : tags)
        {
            await SetTagAsync(containerId, imageId, tag, arch);
        }
        return imageId;
    }

    /// <summary>Pull as the concurrent client does: P1's 303, then ranged GETs of the Location without a token. Returns the bytes' sha256.</summary>
    public async Task<string> PullAsync(string reference, string arch = "amd64", int partSize = 1 << 20)
    {
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = http.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        var redirect = await noRedirects.GetAsync($"v1/imagefile/{reference}?arch={arch}");
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        using var anonymous = new HttpClient();
        using var probe = new HttpRequestMessage(HttpMethod.Get, location) { Headers = { Range = new(0, 1024) } };
        var probed = await anonymous.SendAsync(probe);
        Assert.Equal(HttpStatusCode.PartialContent, probed.StatusCode);
        var total = probed.Content.Headers.ContentRange!.Length!.Value;
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (long offset = 0; offset < total; offset += partSize)
        {
            using var range = new HttpRequestMessage(HttpMethod.Get, location) { Headers = { Range = new(offset, Math.Min(total, offset + partSize) - 1) } };
            var part = await anonymous.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            sha.AppendData(await part.Content.ReadAsByteArrayAsync());
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
