using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>Tokens at rest, signed URLs, forms and page headers: the basics, each checked against the running registry.</summary>
public sealed partial class SecurityBasicsTests : IDisposable
{
    private readonly SifFiles sifs = new();

    [Fact]
    public async Task Tokens_are_stored_only_as_sha256_hashes_and_a_near_miss_is_refused()
    {
        await using var server = new RegistryServer();
        var secret = await server.CreateTokenAsync("hashed");
        var row = await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().ApiTokens.AsNoTracking().SingleAsync());

        Assert.Equal(TokenService.Hash(secret), row.SecretHash);
        Assert.True(secret.StartsWith(row.Prefix, StringComparison.Ordinal) && row.Prefix.Length < 16);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(server.DataPath, "registry.db*"))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret[row.Prefix.Length..])));
        }
        // The lookup is by the hash of what was presented, so a secret is never compared character by character;
        // one character off is simply another hash.
        var nearMiss = secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(HttpStatusCode.OK, (await server.Client(secret).GetAsync("v1/token-status")).StatusCode);
        await LibraryProtocol.ErrorAsync(await server.Client(nearMiss).GetAsync("v1/token-status"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Signed_urls_are_bound_to_one_object_and_expire_with_their_lifetime()
    {
        Assert.SkipWhen(TestBackends.OnS3, "with S3 the URLs are the store's presigned ones: bound and expired by the store on its own clock");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        await using var server = new RegistryServer().With("Registry:DownloadUrlLifetime", "00:10:00").With("Registry:UploadLifetime", "00:30:00");
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("signer")));
        var (a, b) = (await sifs.CreateAsync(20_000), await sifs.CreateAsync(20_000));
        var idA = await library.PushAsync("signer/urls/a", a);
        var idB = await library.PushAsync("signer/urls/b", b);
        var urlA = await DownloadUrlAsync(library, "signer/urls/a:latest");
        using var anonymous = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(urlA)).StatusCode);
        await LibraryProtocol.ErrorAsync(await anonymous.GetAsync(urlA.Replace(idA, idB, StringComparison.Ordinal)), HttpStatusCode.NotFound);

        var pending = await sifs.CreateAsync(20_000);
        var containerId = await library.EnsureContainerAsync("signer", "urls", "c");
        var (imageId, _) = await library.EnsureImageAsync("signer/urls/c", containerId, pending.Hash);
        var upload = (string)(await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = pending.Size, sha256sum = pending.Hash[7..] }))))["uploadURL"]!;

        server.Clock.Advance(TimeSpan.FromMinutes(11));
        await LibraryProtocol.ErrorAsync(await anonymous.GetAsync(urlA), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(await DownloadUrlAsync(library, "signer/urls/a:latest"))).StatusCode);
        server.Clock.Advance(TimeSpan.FromMinutes(20));
        var late = await anonymous.PutAsync(upload, new ByteArrayContent(await File.ReadAllBytesAsync(pending.Path)));
        Assert.Contains("expired", await LibraryProtocol.ErrorAsync(late, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.False(File.Exists(StoreFingerprint.BlobPath(server.DataPath, pending.Hash)));
    }

    [Fact]
    public async Task Sign_out_without_the_antiforgery_token_is_refused_and_the_session_stays()
    {
        await using var server = new RegistryServer();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = new Uri(server.BaseUrl + "/") };
        var form = await browser.GetStringAsync("signin/dev");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        await browser.PostAsync("signin/dev", new FormUrlEncodedContent([new("username", "formuser"), new("returnUrl", "/"), new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("auth/tokens")).StatusCode);

        // A cross-site form would carry the cookie but not the token.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("signout", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("auth/tokens")).StatusCode);

        var page = await browser.GetStringAsync("auth/tokens");
        var pageToken = AntiforgeryField().Match(page).Groups[1].Value;
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("signout", new FormUrlEncodedContent([new("__RequestVerificationToken", pageToken)]))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("auth/tokens")).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("collections")]
    [InlineData("teams")]
    [InlineData("signin/dev")]
    [InlineData("no/such/page")]
    public async Task Pages_carry_the_browser_protections(string page)
    {
        await using var server = new RegistryServer();
        using var response = await server.Client().GetAsync(page);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        // Blazor adds its own frame-ancestors policy for interactive pages; browsers enforce every policy sent.
        var policies = response.Headers.GetValues("Content-Security-Policy").ToList();
        Assert.All(policies, p => Assert.Matches("frame-ancestors '(none|self)'", p));
        var policy = Assert.Single(policies, p => p.Contains("default-src", StringComparison.Ordinal));
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'" })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", policy, StringComparison.Ordinal);
    }

    private static async Task<string> DownloadUrlAsync(LibraryProtocol library, string reference)
    {
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = library.Http.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = library.Http.DefaultRequestHeaders.Authorization;
        return (await noRedirects.GetAsync($"v1/imagefile/{reference}?arch=amd64")).Headers.Location!.ToString();
    }

    [GeneratedRegex("__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public void Dispose() => sifs.Dispose();
}
