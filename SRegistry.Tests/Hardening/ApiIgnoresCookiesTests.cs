using System.Net;
using System.Text.RegularExpressions;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The API is for tokens: a signed-in browser's dashboard cookie sent to <c>/v1</c>, <c>/v2</c>, <c>/pks/add</c> or
/// <c>/_blobs</c> (as a page on a sibling site could make it) leaves the caller anonymous there.
/// </summary>
public sealed partial class ApiIgnoresCookiesTests : IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer().With("Registry:AdminUsers:0", "devuser");
    private readonly HttpClientHandler handler = new() { AllowAutoRedirect = false };
    private HttpClient browser = null!;
    private LibraryProtocol owner = null!;
    private string containerId = "";

    public async ValueTask InitializeAsync()
    {
        browser = new HttpClient(handler) { BaseAddress = new Uri(server.BaseUrl + "/") };
        var form = await browser.GetStringAsync("signin/dev");
        var antiforgery = VerificationToken().Match(form).Groups[1].Value;
        using var signIn = await browser.PostAsync("signin/dev", new FormUrlEncodedContent(
            [new("username", "devuser"), new("returnUrl", "/auth/tokens"), new("__RequestVerificationToken", antiforgery)]));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        // The session is live: the dashboard's own pages know the user.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("auth/tokens")).StatusCode);

        owner = new LibraryProtocol(server.Client(await server.CreateTokenAsync("devuser")));
        containerId = await owner.EnsureContainerAsync("devuser", "vault", "secrets");
        await server.MakeCollectionPrivateAsync("vault");
    }

    [Fact]
    public async Task A_private_collection_is_not_found_with_only_the_cookie()
    {
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("v1/collections/devuser/vault")).StatusCode);

        await LibraryProtocol.ErrorAsync(await browser.GetAsync("v1/collections/devuser/vault"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await browser.GetAsync("v1/containers/devuser/vault/secrets"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Writes_with_only_the_cookie_are_unauthenticated_and_change_nothing()
    {
        var collectionId = (string)(await LibraryProtocol.DataAsync(await owner.Http.GetAsync("v1/collections/devuser/vault")))["id"]!;

        await LibraryProtocol.ErrorAsync(await browser.PostAsync("v1/containers",
            LibraryProtocol.Json(new { name = "planted", collection = collectionId, description = "" })), HttpStatusCode.Unauthorized);
        await LibraryProtocol.ErrorAsync(await browser.PostAsync($"v2/tags/{containerId}",
            LibraryProtocol.Json(new { Arch = "amd64", Tag = "latest", ImageID = "any" })), HttpStatusCode.Unauthorized);
        await LibraryProtocol.ErrorAsync(await browser.PostAsync("pks/add",
            new FormUrlEncodedContent([new("keytext", "-----BEGIN PGP PUBLIC KEY BLOCK-----")])), HttpStatusCode.Unauthorized);

        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync("v1/containers/devuser/vault/planted")).StatusCode);
    }

    [Fact]
    public async Task The_transfer_endpoints_do_not_take_an_admins_cookie()
    {
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("_blobs/counters")).StatusCode);

        await LibraryProtocol.ErrorAsync(await browser.GetAsync("_blobs/counters"), HttpStatusCode.NotFound);
    }

    [GeneratedRegex("__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();

    public async ValueTask DisposeAsync()
    {
        browser.Dispose();
        handler.Dispose();
        await server.DisposeAsync();
    }
}
