using Microsoft.Playwright;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Issue 16 item 1: a visitor who is not signed in gets the public pages as static server-rendered HTML, with no Blazor
/// circuit or websocket; the app bar's menu and dark-mode toggle and the copy buttons still work there (sregistry.js).
/// A signed-in user still gets the live page with its controls.
/// </summary>
public sealed class StaticPublicPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DarkBackground = "rgb(50, 51, 61)";

    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("ada")));
        await library.PushAsync("ada/astro/wsclean", await sifs.CreateAsync(4096), tags: "v3.4");
    }

    public static TheoryData<string, string> Pages => new()
    {
        { "/", "Pull an image" },
        { "/collections", "wsclean" },
        { "/collections/astro", "wsclean" },
        { "/collections/astro/wsclean", "singularity pull library://astro/wsclean:v3.4" },
        { "/teams", "No teams yet" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_visitor_sees_a_public_page_without_a_circuit_or_websocket(string path, string content)
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        var sockets = new List<string>();
        var circuitRequests = new List<string>();
        page.WebSocket += (_, socket) => sockets.Add(socket.Url);
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/_blazor", StringComparison.Ordinal))
            {
                circuitRequests.Add(request.Url);
            }
        };

        await page.OpenAsync(path);
        await Expect(page.GetByText(content, new() { Exact = false }).First).ToBeVisibleAsync();
        // Long enough for blazor.web.js to have started a circuit, had the page asked for one.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(1000);

        Assert.True(await page.IsStaticAsync());
        Assert.Empty(sockets);
        Assert.Empty(circuitRequests);
    }

    [Fact]
    public async Task A_signed_in_user_still_gets_the_live_page_and_can_star_a_collection()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        var sockets = new List<string>();
        page.WebSocket += (_, socket) => sockets.Add(socket.Url);
        await page.DevSignInAsync("grace");

        await page.OpenAsync("/collections/astro");

        await Expect(page.Locator("#ready")).ToHaveAttributeAsync("data-interactive", "true");
        Assert.False(await page.IsStaticAsync());
        Assert.NotEmpty(sockets);
        await page.GetByTestId("star-toggle").ClickAsync();
        await Expect(page.GetByTestId("star-toggle")).ToContainTextAsync("Starred");
        await Expect(page.GetByTestId("star-count")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task On_a_phone_the_menu_button_opens_and_closes_the_drawer_of_a_static_page()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, width: 390, height: 844);
        await page.OpenAsync("/collections");
        var teamsLink = page.Locator(".mud-drawer").GetByRole(AriaRole.Link, new() { Name = "Teams" });
        await Expect(teamsLink).Not.ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await Expect(teamsLink).ToBeInViewportAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await Expect(teamsLink).Not.ToBeInViewportAsync();
        Assert.True(await page.IsStaticAsync());
    }

    [Fact]
    public async Task On_a_laptop_the_menu_button_hides_and_shows_the_drawer_of_a_static_page()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.OpenAsync("/");
        var teamsLink = page.Locator(".mud-drawer").GetByRole(AriaRole.Link, new() { Name = "Teams" });
        await Expect(teamsLink).ToBeInViewportAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await Expect(teamsLink).Not.ToBeInViewportAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await Expect(teamsLink).ToBeInViewportAsync();
    }

    [Fact]
    public async Task The_dark_mode_toggle_works_on_a_static_page_and_is_remembered()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, colorScheme: ColorScheme.Light);
        await page.OpenAsync("/collections");
        Assert.True(await page.IsStaticAsync());
        Assert.NotEqual(DarkBackground, await BodyBackgroundAsync(page));

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor === '{DarkBackground}'");
        await page.ReloadAsync();
        Assert.Equal(DarkBackground, await BodyBackgroundAsync(page));

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor !== '{DarkBackground}'");
    }

    [Fact]
    public async Task A_copy_button_on_a_static_page_copies_its_command_and_says_so()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.OpenAsync("/collections/astro/wsclean");
        Assert.True(await page.IsStaticAsync());
        var command = page.GetByTestId("pull-short");

        await command.GetByRole(AriaRole.Button, new() { Name = "Copy pull command" }).ClickAsync();

        await Expect(page.Locator("#static-status")).ToHaveTextAsync("Copied the pull command");
        Assert.Equal(await command.Locator("code").TextContentAsync(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }

    private static Task<string> BodyBackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
