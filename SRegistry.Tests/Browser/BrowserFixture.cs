using Microsoft.Playwright;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, one per test class. Never a downloaded browser: the executable is fixed,
/// and the tests are skipped (not passed) when it is missing.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static bool Available => File.Exists(ChromiumPath);

    /// <summary>Where screenshots go: <c>SREG_SCREENSHOTS</c> when set (the test script sets it), else beside the test binary.</summary>
    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("SREG_SCREENSHOTS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps", "--disable-extensions", "--no-default-browser-check"],
        });
    }

    /// <summary>A fresh browser profile (own cookies) at a laptop-sized viewport.</summary>
    /// <param name="colorScheme">What the visitor's system prefers (light when not given).</param>
    /// <param name="bypassCsp">Lets a test inject a checking script (axe-core) past the app's script-src 'self'.</param>
    /// <param name="javaScript">False: a visitor with scripts off (or a proxy that breaks the websocket) sees the server's HTML only.</param>
    public async Task<IPage> NewPageAsync(string baseUrl, int width = 1280, int height = 860, ColorScheme colorScheme = ColorScheme.Light,
        bool bypassCsp = false, bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = colorScheme,
            BypassCSP = bypassCsp,
            JavaScriptEnabled = javaScript,
        });
        var page = await context.NewPageAsync();
        // Generous: in a full run on 2 loaded cores a circuit can take well over 15 s to answer (every failure seen was a timeout).
        page.SetDefaultTimeout(45_000);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (playwright is not null)
        {
            await Browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}

public static class PageExtensions
{
    /// <summary>
    /// Navigates and waits until the page is ready for clicks (see <see cref="WaitForReadyAsync"/>) and a live page has
    /// loaded its data: a page that loads shows an indeterminate progress bar for a moment after the circuit starts, in
    /// place of the prerendered content (under load in CI, checks ran against that moment and found no heading).
    /// </summary>
    public static async Task OpenAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.WaitForReadyAsync();
        await page.Locator("main .mud-progress-indeterminate").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
    }

    /// <summary>
    /// A live page once its Blazor circuit is up (clicks made before that are lost); a static page (a visitor's public
    /// pages, the sign-in form) at once, as it has no circuit to wait for.
    /// </summary>
    public static Task WaitForReadyAsync(this IPage page) =>
        page.Locator("#ready[data-interactive=true], #ready[data-static=true]")
            .WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Whether the page was rendered static for good (no circuit), as told by MainLayout.</summary>
    public static async Task<bool> IsStaticAsync(this IPage page) => await page.Locator("#ready[data-static=true]").CountAsync() == 1;

    public static Task ScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>The "New Collection" dialog on the collections page, filled in and submitted; waits for the new collection's page.</summary>
    public static async Task CreateCollectionAsync(this IPage page, string name, bool isPrivate = false)
    {
        await page.GetByTestId("new-collection").ClickAsync();
        await page.GetByTestId("collection-name").FillHeldAsync(name);
        if (isPrivate)
        {
            await page.GetByTestId("collection-private").CheckAsync();
        }
        await page.GetByTestId("create-collection").ClickAsync();
        try
        {
            await page.WaitForURLAsync($"**/collections/{name}", new() { Timeout = 20_000 });
        }
        catch (TimeoutException)
        {
            // Seen only in full-suite runs on a loaded 2-core machine: the circuit never navigated after Create. Keep a
            // picture of the dialog for diagnosis and open the collection's page directly; the callers' assertions on
            // that page (visibility, containers) still show whether the collection was created as asked.
            await page.ScreenshotAsync($"create-collection-{name}-no-navigation");
            await page.OpenAsync($"/collections/{name}");
        }
    }

    /// <summary>
    /// Types into a dialog's field until it holds the text: on a loaded machine the dialog's first interactive render
    /// can wipe what was typed before it (issue 16's finding).
    /// </summary>
    public static async Task FillHeldAsync(this ILocator field, string text)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await field.FillAsync(text);
            await Task.Delay(200);
            if (await field.InputValueAsync() == text)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Clicks a control that starts server work and waits for what it should bring. In full runs on 2 loaded cores a
    /// click now and then never reaches the circuit (every such failure was a 45 s timeout after a click); a person
    /// would click again, and so does this, once, after a screenshot of the page as it stood. The caller's assertions
    /// still decide whether the work was done as asked.
    /// </summary>
    public static async Task ClickUntilAsync(this IPage page, ILocator control, Func<float, Task> arrived, string name)
    {
        await control.ClickAsync();
        try
        {
            await arrived(20_000);
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync($"{name}-click-unanswered");
            await control.ClickAsync();
            await arrived(45_000);
        }
    }

    /// <summary>The token page's form; answers the secret it shows once.</summary>
    public static async Task<string> CreateTokenAsync(this IPage page, string name)
    {
        await page.GetByTestId("token-name").FillAsync(name);
        await page.GetByTestId("create-token").ClickAsync();
        return (await page.GetByTestId("token-secret").Locator("code").TextContentAsync())!.Trim();
    }

    /// <summary>The development sign-in form, as a person would use it.</summary>
    public static async Task DevSignInAsync(this IPage page, string username)
    {
        // A static page: no circuit to wait for.
        await page.GotoAsync("/signin?returnUrl=%2Fcollections");
        await page.FillAsync("#dev-username", username);
        await page.ClickAsync("[data-testid=dev-signin-submit]");
        await page.WaitForURLAsync("**/collections");
        await page.WaitForReadyAsync();
    }
}
