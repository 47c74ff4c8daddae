using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.Identity;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Signing in through the real bridge: OpenLDAP behind an OIDC provider on loopback, Chromium in front of the app.
/// </summary>
public sealed class OidcSignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private RegistryServer server = null!;
    private IdentityBridge bridge = null!;
    private readonly SifFiles sifs = new();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(IdentityBridge.Available, "slapd, node or the bridge's npm packages are missing (run test.sh)");
        var port = IdentityBridge.FreePort();
        bridge = await IdentityBridge.StartAsync($"http://127.0.0.1:{port}", Xunit.TestContext.Current.CancellationToken);
        server = new RegistryServer { Port = port };
        foreach (var (key, value) in bridge.AppSettings())
        {
            server.With(key, value);
        }
    }

    private async Task<IPage> SignInAsync(TestPerson person, string password)
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.GotoAsync("/signin?returnUrl=%2Fcollections");
        await page.WaitForURLAsync($"{bridge.Authority}/interaction/**");
        await page.FillAsync("#username", person.Username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#submit");
        return page;
    }

    private Task<Principal> PrincipalOfAsync(User user) =>
        server.InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().PrincipalForAsync(user.Id));

    private Task<User?> StoredUserAsync(string username) =>
        server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username));

    [Fact]
    public async Task First_sign_in_creates_the_user_from_the_directory()
    {
        var page = await SignInAsync(IdentityBridge.Alice, IdentityBridge.Alice.Password);

        await page.WaitForURLAsync($"{server.BaseUrl}/collections");
        await page.WaitForReadyAsync();
        await Expect(page.Locator(".user-menu")).ToContainTextAsync("alice");
        var alice = await StoredUserAsync("alice");
        Assert.Equal("Alice Astronomer", alice!.DisplayName);
        Assert.Equal("alice@hpc.test", alice.Email);
        // The bridge sends email_verified in userinfo, as most providers do.
        Assert.True(alice.EmailVerified);
        Assert.Equal("astro", alice.Groups);
        Assert.False(alice.IsAdmin);
        Assert.Equal("alice", alice.ExternalSubject);
    }

    [Fact]
    public async Task Members_of_the_admin_group_become_admins_and_people_without_groups_do_not()
    {
        var bob = await SignInAsync(IdentityBridge.Bob, IdentityBridge.Bob.Password);
        await bob.WaitForURLAsync($"{server.BaseUrl}/collections");
        var carol = await SignInAsync(IdentityBridge.Carol, IdentityBridge.Carol.Password);
        await carol.WaitForURLAsync($"{server.BaseUrl}/collections");

        var storedBob = await StoredUserAsync("bob");
        Assert.True((await PrincipalOfAsync(storedBob!)).IsAdmin);
        // Admin through the group is not stored: leaving the group at the provider ends it at the next sign-in.
        Assert.False(storedBob!.IsAdmin);
        var storedCarol = await StoredUserAsync("carol");
        Assert.False((await PrincipalOfAsync(storedCarol!)).IsAdmin);
        Assert.Equal("", storedCarol!.Groups);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_the_directory_and_no_session_starts()
    {
        var page = await SignInAsync(IdentityBridge.Alice, "not-her-password");

        await Expect(page.Locator("#message")).ToHaveTextAsync("Invalid credentials");
        Assert.Null(await StoredUserAsync("alice"));
        await page.GotoAsync($"{server.BaseUrl}/auth/tokens");
        await page.WaitForURLAsync($"{bridge.Authority}/**");
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        var page = await SignInAsync(IdentityBridge.Alice, IdentityBridge.Alice.Password);
        await page.WaitForURLAsync($"{server.BaseUrl}/collections");
        await page.WaitForReadyAsync();

        await page.Locator(".user-menu button").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Sign out", new() { Exact = true }).ClickAsync();

        // Through the provider's end-session endpoint and back to the home page, signed out of both.
        // Polled: the provider's auto-submitted page aborts one navigation on the way, which WaitForURL reports as an error.
        for (var i = 0; i < 150 && page.Url != $"{server.BaseUrl}/"; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal($"{server.BaseUrl}/", page.Url);
        await page.WaitForReadyAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GotoAsync($"{server.BaseUrl}/signin");
        await page.WaitForURLAsync($"{bridge.Authority}/interaction/**");
        await Expect(page.Locator("#username")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Signed_in_user_creates_a_collection_and_token_and_the_real_client_pushes_with_it()
    {
        Assert.SkipUnless(LibraryClientDriver.Available && SifFiles.SiftoolAvailable, "the Go library client or siftool is missing");
        var page = await SignInAsync(IdentityBridge.Alice, IdentityBridge.Alice.Password);
        await page.WaitForURLAsync($"{server.BaseUrl}/collections");
        await page.WaitForReadyAsync();

        await page.CreateCollectionAsync("spectra");
        await page.OpenAsync("/auth/tokens");
        var token = await page.CreateTokenAsync("hpc-login");

        var sif = await sifs.CreateAsync(200_000);
        var pushed = await LibraryClientDriver.RunAsync(server.BaseUrl, token, "push", sif.Path, "alice/spectra/reduce", "-tags", "1.0");
        Assert.True(pushed.Succeeded, pushed.Stderr);

        await page.OpenAsync("/collections/spectra/reduce");
        await Expect(page.GetByTestId("tag-1.0")).ToBeVisibleAsync();
        await Expect(page.Locator("span.mono").First).ToHaveAttributeAsync("title", sif.Hash);
        await page.ScreenshotAsync("oidc-container-after-push");
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
        if (bridge is not null)
        {
            await bridge.DisposeAsync();
        }
        sifs.Dispose();
    }
}

/// <summary>A provider that is down: sign-in explains it, and the rest of the site keeps working.</summary>
public sealed class OidcProviderDownTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer()
        .With("Authentication:Oidc:Authority", $"http://127.0.0.1:{IdentityBridge.FreePort()}")
        .With("Authentication:Oidc:ClientId", "sregistry")
        .With("Authentication:Oidc:ClientSecret", "x")
        .With("Authentication:Oidc:RequireHttpsMetadata", "false");

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Sign_in_shows_a_clear_error_page_and_browsing_still_works()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);

        await page.GotoAsync("/signin");

        await page.WaitForURLAsync("**/signin/failed?reason=unreachable");
        await page.WaitForReadyAsync();
        await Expect(page.GetByTestId("signin-failed")).ToContainTextAsync("cannot be reached");
        await page.ScreenshotAsync("signin-provider-down");
        await page.OpenAsync("/collections");
        await Expect(page.GetByTestId("collections-empty")).ToBeVisibleAsync();
        using var health = await server.Client().GetAsync("healthz");
        Assert.True(health.IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_development_sign_in_is_off_when_a_provider_is_configured()
    {
        using var client = server.Client();

        using var page = await client.GetAsync("signin/dev");
        using var post = await client.PostAsync("signin/dev", new FormUrlEncodedContent([new("username", "intruder")]));

        Assert.Contains("Not found", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(post.IsSuccessStatusCode);
        Assert.Null(await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.FirstOrDefaultAsync(u => u.Username == "intruder")));
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
