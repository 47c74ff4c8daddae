using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>Issue 16: "Sign in" in the app bar must load the sign-in endpoint, not an in-app "Page not found".</summary>
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

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
