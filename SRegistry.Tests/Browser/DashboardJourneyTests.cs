using Microsoft.Playwright;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>What people do in the dashboard, in a real Chromium against the whole app on a loopback port.</summary>
public sealed class DashboardJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Anonymous_visitor_browses_to_a_container_and_finds_the_pull_command()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("alice")));
        await library.PushAsync("alice/astropy/fits-tools", await sifs.CreateAsync(20_000), tags: "1.2");
        var page = await browser.NewPageAsync(server.BaseUrl);

        await page.OpenAsync("/");
        await Expect(page.GetByTestId("home-pull")).ToContainTextAsync($"singularity pull --library {server.BaseUrl} collection/container:tag");
        await page.ScreenshotAsync("home");

        await page.GetByRole(AriaRole.Link, new() { Name = "Browse the collections" }).ClickAsync();
        await page.GetByTestId("collection-search").FillAsync("astro");
        await page.GetByRole(AriaRole.Link, new() { Name = "astropy", Exact = true }).ClickAsync();
        await page.ScreenshotAsync("collection");
        await page.GetByRole(AriaRole.Link, new() { Name = "fits-tools" }).ClickAsync();

        await Expect(page.GetByTestId("pull-library").First).ToContainTextAsync($"singularity pull --library {server.BaseUrl} astropy/fits-tools:1.2");
        await Expect(page.GetByTestId("pull-short").First).ToContainTextAsync("singularity pull library://astropy/fits-tools:1.2");
        await page.ScreenshotAsync("container");
    }

    [Fact]
    public async Task User_creates_a_collection_and_a_token_and_the_pushed_image_shows_up()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.DevSignInAsync("carol");

        await page.GetByTestId("new-collection").ClickAsync();
        await page.GetByTestId("collection-name").FillAsync("Bad.Name");
        await Expect(page.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("lower-case");
        await page.ScreenshotAsync("new-collection-invalid");
        await page.GetByTestId("collection-name").FillAsync("radio-survey");
        await page.GetByTestId("collection-description").FillAsync("Calibration pipelines");
        await page.GetByTestId("create-collection").ClickAsync();
        await page.WaitForURLAsync("**/collections/radio-survey");
        await Expect(page.GetByTestId("containers-empty")).ToBeVisibleAsync();

        // The user menu's "Token" entry, as the CLI's instructions say.
        await page.Locator(".user-menu button").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Token", new() { Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/auth/tokens");
        await page.WaitForReadyAsync();
        var secret = await page.CreateTokenAsync("login-node");
        await page.ScreenshotAsync("token-created");

        var library = new LibraryProtocol(server.Client(secret));
        var image = await sifs.CreateAsync(30_000);
        await library.PushAsync("carol/radio-survey/calibrate", image, tags: "2024.1");

        await page.OpenAsync("/collections/radio-survey/calibrate");
        await Expect(page.GetByTestId("tag-2024.1")).ToBeVisibleAsync();
        await Expect(page.Locator("span.mono").First).ToHaveAttributeAsync("title", image.Hash);
        await page.ScreenshotAsync("container-after-push");
    }

    [Fact]
    public async Task A_private_collection_stays_invisible_to_another_signed_in_user()
    {
        var owner = await browser.NewPageAsync(server.BaseUrl);
        await owner.DevSignInAsync("dave");
        await owner.CreateCollectionAsync("embargoed", isPrivate: true);
        await Expect(owner.GetByTestId("visibility")).ToContainTextAsync("private");

        var stranger = await browser.NewPageAsync(server.BaseUrl);
        await stranger.DevSignInAsync("erin");
        await Expect(stranger.GetByTestId("collections-empty")).ToBeVisibleAsync();
        await stranger.GetByTestId("collection-search").FillAsync("embargo");
        await Expect(stranger.GetByTestId("collections-empty")).ToContainTextAsync("No collection matches");

        await stranger.OpenAsync("/collections/embargoed");
        await Expect(stranger.GetByTestId("not-found")).ToBeVisibleAsync();
        await stranger.ScreenshotAsync("private-collection-stranger");
    }

    [Fact]
    public async Task Phone_sized_screens_get_a_usable_layout_and_dark_mode_toggles()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, width: 390, height: 844);
        await page.OpenAsync("/collections");
        await page.ScreenshotAsync("collections-phone");

        var phoneMenu = await page.GetByLabel("Menu").BoundingBoxAsync();
        Assert.True(phoneMenu!.X + phoneMenu.Width <= 390, "the menu button fits on a phone screen");
        var light = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        await page.GetByLabel("Toggle dark mode").ClickAsync();

        // Polled from here: the page's CSP (rightly) forbids the eval that WaitForFunction would need.
        var dark = light;
        for (var i = 0; i < 50 && dark == light; i++)
        {
            await Task.Delay(100);
            dark = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        }
        Assert.NotEqual(light, dark);
        await page.ScreenshotAsync("collections-phone-dark");
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
