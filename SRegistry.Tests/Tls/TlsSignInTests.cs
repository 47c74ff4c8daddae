using Microsoft.Playwright;
using SRegistry.Tests.Browser;
using SRegistry.Tests.EndToEnd.Identity;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Tls;

/// <summary>
/// Chromium signs in over https through nginx and the real LDAP + OIDC bridge, which knows the registry only by its
/// https redirect URI: the registry must build that URI from the forwarded scheme and host, mark its session cookie
/// Secure, and sign out through the provider back to the https home page. Chromium trusts the test server's key by pin.
/// </summary>
public sealed class TlsSignInTests(TlsDeployment site) : IClassFixture<TlsDeployment>, IAsyncLifetime
{
    private IPlaywright? playwright;
    private IBrowser browser = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TlsDeployment.Available, "nginx or openssl is not installed");
        Assert.SkipUnless(site.Bridge is not null, "chromium, slapd, node or the bridge's npm packages are missing (run test.sh)");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
                    "--ignore-certificate-errors-spki-list=" + site.Certificates.ServerKeyPin()],
        });
    }

    [Fact]
    public async Task Sign_in_over_https_uses_the_https_redirect_uri_sets_a_secure_cookie_and_sign_out_works()
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = site.BaseUrl, ViewportSize = new() { Width = 1280, Height = 860 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        // The redirect URI travels in a pushed authorization request (back channel), so it is seen where the provider sends the browser back.
        var callbacks = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/signin-oidc", StringComparison.Ordinal))
            {
                lock (callbacks)
                {
                    callbacks.Add(request.Method + " " + request.Url);
                }
            }
        };

        await page.GotoAsync("/signin?returnUrl=%2Fcollections");
        await page.WaitForURLAsync($"{site.Bridge!.Authority}/interaction/**");
        await page.FillAsync("#username", IdentityBridge.Alice.Username);
        await page.FillAsync("#password", IdentityBridge.Alice.Password);
        await page.ClickAsync("#submit");
        await page.WaitForURLAsync($"{site.BaseUrl}/collections");
        await page.WaitForReadyAsync();
        await Expect(page.Locator(".user-menu")).ToContainTextAsync("alice");

        // The provider knows only the https URI and refuses any other; it sent the browser back to exactly that one.
        lock (callbacks)
        {
            Assert.Equal([$"POST {site.BaseUrl}/signin-oidc"], callbacks);
        }
        var session = Assert.Single(await context.CookiesAsync([site.BaseUrl]), c => c.Name == "sregistry");
        Assert.True(session.Secure);
        Assert.True(session.HttpOnly);
        await page.ScreenshotAsync("tls-signed-in");

        await page.Locator(".user-menu button").First.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Sign out", new() { Exact = true }).ClickAsync();
        // Through the provider's end-session endpoint and back to the https home page (polled: one navigation on the way is aborted).
        for (var i = 0; i < 200 && page.Url != $"{site.BaseUrl}/"; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal($"{site.BaseUrl}/", page.Url);
        await page.WaitForReadyAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync([site.BaseUrl]), c => c.Name == "sregistry");
        await context.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (playwright is not null)
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
