using System.Net;
using System.Text;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

/// <summary>
/// A table of hostile requests against every endpoint family: malformed and huge JSON, wrong content types, path
/// traversal in every name and ID position (dot segments, encoded forms, backslashes, look-alike characters, NUL),
/// overlong names and tags, unknown architectures, absurd sizes and part numbers, forged, tampered and reused signed
/// URLs, and tokens of the wrong scheme or shape. Every one gets a 4xx in the protocol's JSON error envelope, never a
/// 500, and leaves every database row and every stored file exactly as it was.
/// </summary>
public sealed class HostileInputCorpusTests : IClassFixture<HostileInputCorpusTests.World>
{
    /// <summary>Kestrel refuses the request line itself (a NUL in the path): a bare 400, before any code of ours runs.</summary>
    private const int RefusedByKestrel = -400;

    /// <summary>Kestrel resolved the dot segments to a path outside the API (a bare 404, and certainly not the file).</summary>
    private const int ResolvedOutsideApi = -404;

    /// <summary>
    /// A registry with something to damage: two uploaded images, one image half-way through a multipart upload and one
    /// waiting for its single-part bytes, plus the signed URLs they were given. The brake on failed tokens is off here:
    /// this corpus sends many on purpose (the brake has its own tests).
    /// </summary>
    public sealed class World : RegistryServer, IAsyncLifetime
    {
        private readonly SifFiles sifs = new();

        public World()
        {
            WithPartSize(5);
            With("Registry:FailedTokenLimit", "0");
        }

        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

        public async ValueTask InitializeAsync()
        {
            if (!SifFiles.SiftoolAvailable)
            {
                return;
            }
            var owner = await CreateTokenAsync("owner");
            Values["owner"] = owner;
            Values["intruder"] = await CreateTokenAsync("intruder");
            var library = new LibraryProtocol(Client(owner));
            var kept = await sifs.CreateAsync(20_000);
            Values["image"] = await library.PushAsync("owner/safe/kept", kept, tags: "v1");
            Values["other"] = await library.PushAsync("owner/safe/other", await sifs.CreateAsync(20_000), tags: "v1");
            Values["container"] = await library.EnsureContainerAsync("owner", "safe", "kept");
            Values["collection"] = (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/collections/owner/safe")))["id"]!;
            Values["hash"] = kept.Hash;

            var multi = await sifs.CreateAsync(6 * 1024 * 1024);
            var (pending, _) = await library.EnsureImageAsync("owner/safe/kept", Values["container"], multi.Hash);
            Values["pending"] = pending;
            var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{pending}/_multipart",
                LibraryProtocol.Json(new { filesize = multi.Size })));
            Values["upload"] = (string)plan["uploadID"]!;
            var part = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{pending}/_multipart",
                LibraryProtocol.Json(new { partSize = (long)plan["partSize"]!, uploadID = Values["upload"], partNumber = 1, sha256sum = "" })));
            Values["part1"] = TokenOf((string)part["presignedURL"]!);

            var single = await sifs.CreateAsync(10_000);
            var (waiting, _) = await library.EnsureImageAsync("owner/safe/kept", Values["container"], single.Hash);
            var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{waiting}",
                LibraryProtocol.Json(new { filesize = single.Size, sha256sum = single.Hash[7..] })));
            var uploadUrl = new Uri((string)start["uploadURL"]!);
            Values["single"] = uploadUrl.AbsolutePath.Split('/')[^1];
            Values["up"] = TokenOf(uploadUrl.ToString());

            using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl + "/") };
            var redirect = await noRedirects.GetAsync("v1/imagefile/owner/safe/kept:v1?arch=amd64");
            Values["dl-kept"] = TokenOf(redirect.Headers.Location!.ToString());
        }

        private static string TokenOf(string url) =>
            Uri.UnescapeDataString(url[(url.IndexOf("?t=", StringComparison.Ordinal) + 3)..]);

        async ValueTask IAsyncDisposable.DisposeAsync()
        {
            sifs.Dispose();
            await DisposeAsync();
        }
    }

    private readonly World world;

    public HostileInputCorpusTests(World world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    private static readonly string Long200 = new('a', 200);
    private static readonly string Hex64 = new('0', 64);

    /// <summary>Endpoints that read a JSON body; each gets the malformed-body set.</summary>
    private static readonly (string Method, string Path)[] JsonEndpoints =
    [
        ("POST", "v1/entities"), ("POST", "v1/collections"), ("POST", "v1/containers"), ("POST", "v1/images"),
        ("POST", "v1/tags/{container}"), ("POST", "v2/tags/{container}"), ("POST", "v2/imagefile/{pending}"),
        ("POST", "v2/imagefile/{pending}/_multipart"), ("PUT", "v2/imagefile/{pending}/_multipart"),
        ("PUT", "v2/imagefile/{pending}/_multipart_complete"), ("PUT", "v2/imagefile/{pending}/_multipart_abort"),
    ];

    private static readonly (string Body, int Status)[] MalformedBodies =
    [
        ("", 400), ("{", 400), ("[1,2]", 400), ("null", 400), ("\"text\"", 400), ("{\"name\":\"x\"", 400),
        (new string('[', 2000) + new string(']', 2000), 400),
        ("{\"name\":\"" + new string('a', 100_000) + "\"}", 413),
        ("name=x&entity=y", 400),
    ];

    /// <summary>(method, path, body, expected status, Authorization header or null for the owner's token, Content-Type).</summary>
    public static TheoryData<string, string, string?, int, string?, string?> Corpus()
    {
        var data = new TheoryData<string, string, string?, int, string?, string?>();
        void Add(string method, string path, string? body, int status, string? authorization = null, string? contentType = null) =>
            data.Add(method, path, body, status, authorization, contentType);

        // ---- names in every position of a reference (L7, P1, L9) ----
        foreach (var prefix in new[] { "GET v1/images", "GET v1/imagefile", "DELETE v1/images" })
        {
            var (method, route) = (prefix.Split(' ')[0], prefix.Split(' ')[1]);
            foreach (var reference in new[]
                     {
                         "owner/safe/..:v1", "owner/safe/%2E%2E:v1", "owner/safe%2F..%2F..%2Fkept:v1",
                         "owner/safe%5C..%5Ckept:v1", "owner/safe/..%5Ckept:v1", "owner/safe/kept%5C:v1", "owner/safe/%E2%80%A4%E2%80%A4:v1",
                         "owner/s%D0%B0fe/kept:v1", "owner/safe%EF%BC%8Fkept:v1", "owner/%EF%BC%8E%EF%BC%8E/kept:v1", "owner/Safe/kept:v1",
                         "owner/sa.fe/kept:v1", "owner/safe/k%C3%A9pt:v1", "owner/safe/kept%C0%AE:v1", "a/b/c/d:v1", "owner/safe/kept:..",
                         "owner/safe/kept:%2E%2E%2F%2E%2E", "owner/safe/kept:v1%0A", "owner/safe/kept:v1%09", "owner/safe/kept:v1%2Fx",
                         "owner/safe/kept:sha256." + new string('g', 64), "owner/safe/kept:sif.x", $"owner/safe/{Long200}:v1", $"owner/{Long200}/kept:v1",
                         $"{Long200}/safe/kept:v1", "owner/safe/kept:" + Long200, "owner/safe/kept:-v1",
                     })
            {
                Add(method, $"{route}/{reference}?arch=amd64", null, 400);
            }
            foreach (var arch in new[] { "sparc", "AMD64", "amd64,arm64", "..%2Famd64", "amd64%00", "amd%C4%B164", Long200 })
            {
                Add(method, $"{route}/owner/safe/kept:v1?arch={arch}", null, 400);
            }
            Add(method, $"{route}/owner/safe/ke%00pt:v1", null, RefusedByKestrel);
            // Dot segments are resolved by Kestrel before routing: what is left names another thing, or nothing.
            Add(method, $"{route}/owner/../kept:v1?arch=amd64", null, 404);
            Add(method, $"{route}/../safe/kept:v1?arch=amd64", null, 404);
        }
        Add("DELETE", "v1/images/owner/safe/kept:v1?arch=amd64", null, 401, "none");
        Add("DELETE", "v1/images/owner/safe/kept:v1?arch=amd64", null, 401, "Bearer sreg_forged");

        // ---- entities, collections, containers (L1, L3, L5) ----
        foreach (var path in new[]
                 {
                     "v1/entities/..%2Fowner", "v1/entities/OWNER", "v1/entities/own%5Cer", "v1/entities/" + Long200, "v1/entities/a/b",
                     "v1/collections/owner/..", "v1/collections/owner/sa%5Cfe", "v1/collections/owner/s%D0%B0fe", "v1/collections/a/b/c",
                     "v1/collections/owner/" + Long200, "v1/containers/owner/safe/..", "v1/containers/owner/safe/..%2F..%2Fetc",
                     "v1/containers/owner/safe/" + Long200, "v1/containers/owner/safe/KEPT", "v1/containers/owner", "v1/containers/a/b/c/d",
                 })
        {
            Add("GET", path, null, 400);
        }
        Add("GET", "v1/containers/owner/safe/k%00", null, RefusedByKestrel);

        // ---- search (L14) ----
        foreach (var query in new[] { "value=x", "value=" + Long200, "value=kept&arch=..%2F", "value=kept&arch=sparc", "value=kept&signed=yes", "value=%00%00%00" })
        {
            Add("GET", "v1/search?" + query, null, 400);
        }

        // ---- IDs in paths (L10 to L13, U2 to U9) ----
        foreach (var id in new[] { "..%2F..%2Fregistry.db", "%2E%2E%5Cregistry.db", "no-such-id", Long200 })
        {
            Add("GET", $"v2/tags/{id}", null, 404);
            Add("GET", $"v1/tags/{id}", null, 404);
            Add("POST", $"v2/tags/{id}", "{\"Arch\":\"amd64\",\"Tag\":\"t\",\"ImageID\":\"{image}\"}", 404);
            Add("POST", $"v2/imagefile/{id}", "{\"filesize\":10}", 404);
            Add("PUT", $"v2/imagefile/{id}/_complete", "{}", 404);
            Add("POST", $"v2/imagefile/{id}/_multipart", "{\"filesize\":10}", 404);
            Add("PUT", $"v2/imagefile/{id}/_multipart_abort", "{\"uploadID\":\"{upload}\"}", 404);
            Add("POST", $"v1/imagefile/{id}", "SIF", 404);
        }

        // ---- tags (L11, L13) ----
        foreach (var tag in new[] { "..", "a/b", "a\\\\b", "v1\\u0000", "v1\\n", Long200, "sha256.abc", "sif.x", "", " v1", "ｖ1" })
        {
            Add("POST", "v2/tags/{container}", $"{{\"Arch\":\"amd64\",\"Tag\":\"{tag}\",\"ImageID\":\"{{image}}\"}}", 400);
            Add("POST", "v1/tags/{container}", $"{{\"Tag\":\"{tag}\",\"ImageID\":\"{{image}}\"}}", 400);
        }
        foreach (var arch in new[] { "sparc", "", "../amd64", "AMD64" })
        {
            Add("POST", "v2/tags/{container}", $"{{\"Arch\":\"{arch}\",\"Tag\":\"t\",\"ImageID\":\"{{image}}\"}}", 400);
        }
        Add("POST", "v2/tags/{container}", "{\"Arch\":\"amd64\",\"Tag\":\"t\",\"ImageID\":\"../{image}\"}", 400);
        Add("POST", "v2/tags/{container}", "{\"Arch\":\"amd64\",\"Tag\":\"t\",\"ImageID\":7}", 400);
        Add("POST", "v2/tags/{container}", "{\"Arch\":\"amd64\",\"Tag\":\"t\",\"ImageID\":\"{pending}\"}", 400);

        // ---- create bodies with hostile names (L2, L4, L6, L8) ----
        foreach (var name in new[] { "..", "a/b", "..\\\\x", "a\\u0000b", "ｓafe", "s\\u0430fe", Long200, "-x", "x-", "a..b", "A" })
        {
            Add("POST", "v1/collections", $"{{\"name\":\"{name}\"}}", 400);
            Add("POST", "v1/containers", $"{{\"name\":\"{name}\",\"collection\":\"{{collection}}\"}}", 400);
            Add("POST", "v1/entities", $"{{\"name\":\"{name}\"}}", 400);
        }
        Add("POST", "v1/collections", "{\"name\":7}", 400);
        Add("POST", "v1/collections", "{\"name\":[\"safe\"]}", 400);
        Add("POST", "v1/collections", "{\"name\":\"safe\"}", 409, "Bearer {intruder}");
        Add("POST", "v1/containers", "{\"name\":\"ok\",\"collection\":\"../{collection}\"}", 400);
        Add("POST", "v1/entities", "{\"name\":\"someone-else\"}", 403);
        Add("POST", "v1/images", "{\"hash\":\"sha256.../../x\",\"container\":\"{container}\"}", 400);
        Add("POST", "v1/images", $"{{\"hash\":\"SHA256.{Hex64.ToUpperInvariant()}\",\"container\":\"{{container}}\"}}", 400);
        Add("POST", "v1/images", $"{{\"hash\":\"sha256.{Hex64}\",\"container\":\"../{{container}}\"}}", 404);
        Add("POST", "v1/images", $"{{\"hash\":\"sha256.{Hex64}\",\"container\":\"{{container}}\"}}", 401, "Basic b3duZXI6cGFzcw==");

        // ---- sizes and part numbers (U2, U5, U6, U8) ----
        foreach (var size in new[] { "-1", "0", "9223372036854775807", "1e30", "\"10\"", "1.5", "null" })
        {
            Add("POST", "v2/imagefile/{pending}", $"{{\"filesize\":{size},\"sha256sum\":\"\"}}", 400);
            Add("POST", "v2/imagefile/{pending}/_multipart", $"{{\"filesize\":{size}}}", 400);
        }
        Add("POST", "v2/imagefile/{pending}", "{\"filesize\":10,\"sha256sum\":\"../../etc/passwd\"}", 400);
        foreach (var (partNumber, partSize) in new[] { ("0", "5242880"), ("-1", "5242880"), ("3", "5242880"), ("2147483647", "5242880"),
                     ("99999999999", "5242880"), ("1", "-1"), ("1", "0"), ("1", "9223372036854775807"), ("1", "\"5242880\"") })
        {
            Add("PUT", "v2/imagefile/{pending}/_multipart", $"{{\"partSize\":{partSize},\"uploadID\":\"{{upload}}\",\"partNumber\":{partNumber},\"sha256sum\":\"\"}}", 400);
        }
        Add("PUT", "v2/imagefile/{pending}/_multipart", "{\"partSize\":5242880,\"uploadID\":\"../{upload}\",\"partNumber\":1}", 404);
        Add("PUT", "v2/imagefile/{pending}/_multipart_complete", "{\"uploadID\":\"{upload}\",\"completedParts\":[{\"partNumber\":-1,\"token\":\"x\"}]}", 400);
        Add("PUT", "v2/imagefile/{pending}/_multipart_complete", "{\"uploadID\":\"{upload}\",\"completedParts\":[{\"partNumber\":1},{\"partNumber\":1}]}", 400);
        Add("PUT", "v2/imagefile/{pending}/_multipart_complete", "{\"uploadID\":\"../{upload}\",\"completedParts\":[]}", 404);
        Add("PUT", "v2/imagefile/{pending}/_multipart_abort", "{\"uploadID\":\"../{upload}\"}", 404);
        // 64 GiB in 5 MiB parts is 13,108 parts: a completion over what listing them all could take is refused unread.
        Add("PUT", "v2/imagefile/{pending}/_multipart_complete", "{\"name\":\"" + new string('a', 4 * 1024 * 1024) + "\"}", 413);

        // ---- malformed, huge and mistyped bodies on every JSON endpoint ----
        foreach (var (method, path) in JsonEndpoints)
        {
            foreach (var (body, status) in MalformedBodies)
            {
                // A completion lists every part, so its limit grows with MaxImageBytes / PartSizeBytes (below).
                if (status != 413 || !path.EndsWith("_multipart_complete", StringComparison.Ordinal))
                {
                    Add(method, path, body, status);
                }
            }
            // Not JSON by its Content-Type: refused before the body is read (a form or text post from another site).
            Add(method, path, "<name>x</name>", 415, null, "application/xml");
            Add(method, path, "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--b--", 415, null, "multipart/form-data; boundary=b");
            Add(method, path, "{\"name\":\"x\"}", 415, null, "text/plain;charset=UTF-8");
        }

        // ---- signed URLs (U3, U7, P2): forged, tampered, expired-looking, reused for another object or purpose ----
        foreach (var t in new[] { "forged", "", "{up}X", "X{up}", "{dl-kept}", "{part1}", new string('A', 5000) })
        {
            Add("PUT", "_blobs/up/{single}?t=" + t, "bytes", 403);
        }
        Add("PUT", "_blobs/up/{single}", "bytes", 403);
        Add("PUT", "_blobs/up/..%2F{single}?t={up}", "bytes", 403);
        Add("PUT", "_blobs/up/{upload}?t={up}", "bytes", 403);
        foreach (var part in new[] { "2", "0", "-1" })
        {
            Add("PUT", $"_blobs/part/{{upload}}/{part}?t={{part1}}", "bytes", 403);
        }
        Add("PUT", "_blobs/part/{upload}/1?t={up}", "bytes", 403);
        Add("PUT", "_blobs/part/{single}/1?t={part1}", "bytes", 403);
        Add("PUT", "_blobs/part/{upload}/99999999999?t={part1}", "bytes", 404);
        Add("PUT", "_blobs/part/{upload}/x?t={part1}", "bytes", 404);
        foreach (var (image, t) in new[] { ("{other}", "{dl-kept}"), ("{image}", "forged"), ("{image}", "{up}"), ("{image}", "{part1}"),
                     ("{image}", "{dl-kept}X"), ("{image}", ""), ("..%2F..%2Fregistry.db", "{dl-kept}"), ("%2E%2E%2F%2E%2E%2Fkeys", "{dl-kept}"),
                     ("{pending}", "{dl-kept}") })
        {
            Add("GET", $"_blobs/dl/{image}?t={t}", null, 404);
        }
        Add("GET", "_blobs/dl/{image}?t={dl-kept}&t=again", null, 404);
        Add("POST", "_blobs/dl/{image}?t={dl-kept}", "x", 405);
        Add("DELETE", "_blobs/up/{single}?t={up}", null, 404);
        Add("GET", "_blobs/../registry.db", null, ResolvedOutsideApi);
        Add("GET", "_blobs/dl/%2E%2E/%2E%2E/registry.db", null, ResolvedOutsideApi);

        // ---- discovery, version, token status (D1 to D4) ----
        Add("POST", "version", "x", 405);
        Add("DELETE", "assets/config/config.prod.json", null, 404);
        Add("PUT", "version", "x", 405);
        Add("POST", "v1/oci-redirect", "x", 405);
        Add("GET", "assets/config/..%2F..%2Fappsettings.json", null, 404);
        Add("GET", "assets/config/config.prod.json%5C..", null, 404);
        Add("GET", "assets/config/config.prod.json%00", null, RefusedByKestrel);
        foreach (var authorization in new[] { "none", "Bearer", "Bearer ", "Basic b3duZXI6cGFzcw==", "Bearer sreg_forged", "Bearer " + new string('a', 300),
                     "Token {owner}", "{owner}", "Bearer {owner}X", "Bearer X{owner}", "Bearer {owner} extra", "Bearer %00", "Bearer ｓreg_x" })
        {
            Add("GET", "v1/token-status", null, 404, authorization);
            Add("GET", "v1/rbac/users/current", null, 401, authorization);
            Add("POST", "v1/collections", "{\"name\":\"fresh\"}", 401, authorization);
        }
        Add("POST", "v1/token-status", "{}", 405);

        // ---- /pks (keyserver, K1 and K2) ----
        const string Form = "application/x-www-form-urlencoded";
        foreach (var query in new[]
                 {
                     "search=0x1234abcd", "op=delete&search=0x1234abcd", "op=get&op=index&search=x",
                     "op=get", "op=get&search=", "op=get&search=%00", "op=index&search=a%00b", "op=get&search=0x123",
                     "op=get&search=0xZZZZZZZZ", "op=get&search=0x" + new string('a', 41), "op=get&search=0x" + new string('a', 17),
                     "op=index&search=" + new string('a', 7000), "op=index&search=x&x-pagesize=-1", "op=index&search=x&x-pagesize=abc",
                     "op=index&search=x&x-pagesize=99999999999", "op=index&search=x&x-pagetoken=-5", "op=index&search=x&x-pagetoken=..%2F",
                     "op=index&search=x&exact=maybe",
                 })
        {
            Add("GET", "pks/lookup?" + query, null, 400);
        }
        Add("GET", "pks/lookup?op=index&search=..%2F..%2Fregistry.db", null, 404);
        Add("GET", "pks/lookup?op=get&search=0x" + new string('f', 40), null, 404);
        Add("GET", "pks/lookup?op=GET&search=0x1234abcd", null, 404);
        Add("POST", "pks/lookup?op=get&search=x", "x", 405);
        Add("GET", "pks/add", null, 404);
        Add("POST", "pks/add", "keytext=x", 401, "none", Form);
        Add("POST", "pks/add", "keytext=x", 401, "Bearer sreg_forged", Form);
        foreach (var body in new[]
                 {
                     "", "keytext=", "other=x", "keytext=a&keytext=b", "keytext=not%20armour",
                     "keytext=-----BEGIN%20PGP%20PUBLIC%20KEY%20BLOCK-----%0A%0AmQENBF%0A",
                     "keytext=-----BEGIN%20PGP%20PUBLIC%20KEY%20BLOCK-----%0A%0A%3D%3D%3D%0A-----END%20PGP%20PUBLIC%20KEY%20BLOCK-----",
                     "keytext=-----BEGIN%20PGP%20MESSAGE-----%0A%0AhQEMA%0A-----END%20PGP%20MESSAGE-----",
                     "keytext=%FF%FE", "keytext=" + new string('A', 10 * 1024 * 1024),
                 })
        {
            Add("POST", "pks/add", body, 400, null, Form);
        }
        Add("POST", "pks/add", "{\"keytext\":\"x\"}", 400, null, "application/json");
        Add("POST", "pks/add", "keytext=x", 400, null, "text/plain");

        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Hostile_request_gets_a_4xx_json_error_and_changes_nothing(string method, string path, string? body, int expected,
        string? authorization, string? contentType)
    {
        var before = await StoreFingerprint.TakeAsync(world.DataPath);

        var (status, text) = await SendAsync(method, Fill(path, escape: true), body is null ? null : Fill(body, escape: false),
            authorization is null ? "Bearer {owner}" : authorization, contentType);

        Assert.True(status < 500, $"{status}: {text}");
        if (expected == RefusedByKestrel)
        {
            Assert.Equal(400, status);
        }
        else if (expected == ResolvedOutsideApi)
        {
            Assert.Equal(404, status);
            Assert.DoesNotContain("SQLite format", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(expected == status, $"expected {expected}, got {status}: {text}");
            var error = System.Text.Json.Nodes.JsonNode.Parse(text)!["error"]!;
            Assert.Equal(status, (int)error["code"]!);
            Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        }
        Assert.Equal(before, await StoreFingerprint.TakeAsync(world.DataPath));
    }

    /// <summary>Sends the path exactly as written: no dot-segment removal or re-escaping on the way out.</summary>
    private async Task<(int Status, string Text)> SendAsync(string method, string path, string? body, string authorization, string? contentType)
    {
        var uri = new Uri(world.BaseUrl + "/" + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(method), uri);
        if (authorization != "none")
        {
            request.Headers.TryAddWithoutValidation("Authorization", Fill(authorization, escape: false));
        }
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }
        // Header values go out as UTF-8 bytes, so look-alike characters in a token really reach the server.
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 });
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Puts the world's real IDs and tokens into a case; tokens in a URL are escaped as the server would escape them.</summary>
    private string Fill(string template, bool escape)
    {
        foreach (var (key, value) in world.Values)
        {
            template = template.Replace("{" + key + "}", escape ? Uri.EscapeDataString(value) : value, StringComparison.Ordinal);
        }
        return template;
    }
}
