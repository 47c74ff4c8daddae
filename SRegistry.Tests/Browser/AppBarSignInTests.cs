using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>Issue 16: "Sign in" in the app bar loads the sign-in form (not an in-app "Page not found"), and the form keeps what was typed while the page loaded.</summary>
public sealed class AppBarSignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly RegistryServer server = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Sign_in_from_the_app_bar_shows_the_sign_in_form()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.OpenAsync("/collections");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Sign in" }).First.ClickAsync();

        await page.WaitForURLAsync("**/signin/dev**");
        await Expect(page.GetByTestId("dev-signin-form")).ToBeVisibleAsync();
        await Expect(page.GetByText("Page not found")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_username_typed_while_the_page_loads_is_still_there_when_it_has_loaded()
    {
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.GotoAsync("/signin/dev", new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Commit });
        await page.Locator("#dev-username").PressSequentiallyAsync("early-bird");

        // Everything the page loads has arrived (scripts, styles); before the fix a circuit started here and re-rendered the form.
        await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(1500);

        await Expect(page.Locator("#dev-username")).ToHaveValueAsync("early-bird");
        await Expect(page.Locator("#ready")).ToHaveAttributeAsync("data-interactive", "false");
        await page.ClickAsync("[data-testid=dev-signin-submit]");
        await page.WaitForURLAsync(u => !u.Contains("/signin", StringComparison.Ordinal));
        await page.WaitForReadyAsync();
        await Expect(page.Locator(".user-menu")).ToContainTextAsync("early-bird");
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
