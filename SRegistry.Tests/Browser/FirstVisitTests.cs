using System.Text.Json;
using Microsoft.Playwright;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Issue 16, a first visit in Chromium: keyboard and screen-reader basics on every public page (axe-core finds no
/// serious or critical violation; a main landmark; a skip link that moves focus; focus that can be seen on links; no box
/// around the heading), and no white first paint for a visitor who prefers or chose dark.
/// </summary>
public sealed class FirstVisitTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DarkBackground = "rgb(50, 51, 61)";
    private static readonly string AxeScript = Path.Combine(Repository.Root, "SRegistry.Tests", "Browser", "axe", "node_modules", "axe-core", "axe.min.js");
    private static readonly string[] PublicPages = ["/", "/collections", "/collections/astro", "/collections/astro/wsclean", "/teams", "/no/such/page"];

    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(File.Exists(AxeScript), "axe-core is not installed (test.sh installs it from SRegistry.Tests/Browser/axe)");
        var token = await server.CreateTokenAsync("ada");
        await new LibraryProtocol(server.Client(token)).PushAsync("ada/astro/wsclean", await sifs.CreateAsync(4096), tags: "v3.4");
    }

    [Fact]
    public async Task Every_public_page_passes_axe_without_serious_violations_and_has_one_main_landmark()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, bypassCsp: true);
        var problems = new List<string>();
        foreach (var path in PublicPages)
        {
            await page.OpenAsync(path);
            await page.AddScriptTagAsync(new() { Path = AxeScript });
            var violations = await page.EvaluateAsync<JsonElement>(
                "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations" +
                ".filter(v => v.impact === 'serious' || v.impact === 'critical')" +
                ".map(v => v.id + ' (' + v.help + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))");
            problems.AddRange(violations.EnumerateArray().Select(v => $"{path}: {v.GetString()}"));
            Assert.Equal(1, await page.GetByRole(AriaRole.Main).CountAsync());
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Keyboard_focus_is_visible_on_links_the_skip_link_moves_it_to_the_page_and_no_box_is_drawn_around_the_heading()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.OpenAsync("/collections/astro");
        // First load: the heading neither has focus nor a box drawn around it.
        Assert.False(await page.EvaluateAsync<bool>("() => document.activeElement === document.querySelector('main h1')"));
        Assert.Equal("", await FocusRingAsync(page, "main h1"));

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()"));
        Assert.True(await page.Locator("a.skip-link").IsVisibleAsync());
        // On through the app bar to the navigation menu: every link on the way shows where the focus is.
        var unringed = new List<string>();
        for (var presses = 0; presses < 12 && !await page.EvaluateAsync<bool>("() => document.activeElement.matches('.mud-nav-link')"); presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await FocusedLinkRingAsync(page) is { Ring: "" } link)
            {
                unringed.Add(link.Html);
            }
        }
        Assert.Equal("Home", await page.EvaluateAsync<string>("() => document.activeElement.matches('.mud-nav-link') ? document.activeElement.textContent.trim() : ''"));
        Assert.Empty(unringed);

        await page.Locator("a.skip-link").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main-content", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        // The first link in the page is the breadcrumb back to the collections, and its focus can be seen.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Collections", await page.EvaluateAsync<string>("() => document.activeElement.closest('.mud-breadcrumbs') ? document.activeElement.textContent.trim() : ''"));
        Assert.NotEqual("", (await FocusedLinkRingAsync(page))?.Ring);

        // Followed, it moves focus to the new page's heading (for screen readers), without a box around it.
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/collections");
        await page.WaitForFunctionAsync("() => document.activeElement === document.querySelector('main h1')");
        Assert.Equal("", await FocusRingAsync(page, "main h1"));
    }

    private const string RingFunction = """
        const ring = e => {
          const s = getComputedStyle(e);
          const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? 'outline ' + s.outline : '';
          const shadow = s.boxShadow !== 'none' ? 'shadow ' + s.boxShadow : '';
          return (outline + ' ' + shadow).trim();
        };
        """;

    /// <summary>The outline or box shadow the element shows, or "" when it shows neither.</summary>
    private static Task<string> FocusRingAsync(IPage page, string selector) =>
        page.EvaluateAsync<string>($"selector => {{ {RingFunction} return ring(document.querySelector(selector)); }}", selector);

    /// <summary>
    /// The ring of the focused link, read in one evaluation: a live re-render between two round trips could otherwise
    /// take the element away after it was found (which once failed in CI). Null when the focus is not on a link.
    /// </summary>
    private static async Task<FocusedLink?> FocusedLinkRingAsync(IPage page)
    {
        var link = await page.EvaluateAsync<JsonElement>($$"""
        () => {
          {{RingFunction}}
          const e = document.activeElement;
          return e && e.matches('a') ? [ring(e), e.outerHTML.slice(0, 120)] : null;
        }
        """);
        return link.ValueKind == JsonValueKind.Array ? new FocusedLink(link[0].GetString()!, link[1].GetString()!) : null;
    }

    private sealed record FocusedLink(string Ring, string Html);

    [Fact]
    public async Task A_dark_preferring_visitor_gets_a_dark_page_before_the_dashboard_is_live()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, colorScheme: ColorScheme.Dark);
        await WithoutCircuitAsync(page);

        await page.GotoAsync("/collections");

        Assert.Equal(DarkBackground, await BodyBackgroundAsync(page));
    }

    [Fact]
    public async Task A_chosen_dark_mode_is_remembered_on_the_next_visit_from_the_first_paint()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, colorScheme: ColorScheme.Light);
        await page.OpenAsync("/");
        Assert.NotEqual(DarkBackground, await BodyBackgroundAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor === '{DarkBackground}'");

        await WithoutCircuitAsync(page);
        await page.ReloadAsync();

        Assert.Equal(DarkBackground, await BodyBackgroundAsync(page));
        Assert.Equal("false", await page.Locator("#ready").GetAttributeAsync("data-interactive"));
    }

    [Fact]
    public async Task The_new_collection_dialog_opens_without_an_error_and_explains_an_empty_name_on_create()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.DevSignInAsync("newcomer");
        await page.GetByTestId("new-collection").ClickAsync();
        await page.Locator("input[data-testid=collection-name]").WaitForAsync();
        // The dialog's focus trap takes focus from the name field as it opens; that blur used to report the empty name.
        await page.WaitForTimeoutAsync(1000);

        await Expect(page.GetByText("a name is required")).ToHaveCountAsync(0);
        await page.GetByTestId("create-collection").ClickAsync();
        await Expect(page.GetByText("a name is required")).ToBeVisibleAsync();
    }

    /// <summary>Blazor's script never loads, so what is seen is the server's first paint alone.</summary>
    private static async Task WithoutCircuitAsync(IPage page) => await page.RouteAsync("**/_framework/blazor.web*.js", route => route.AbortAsync());

    private static Task<string> BodyBackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
