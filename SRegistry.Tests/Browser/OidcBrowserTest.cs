using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.Identity;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Chromium signing in to the app through the real bridge (OpenLDAP behind an OIDC provider on loopback), with the
/// registry settings a test class needs. The server starts at its first use, so a test can seed the database first.
/// </summary>
public abstract class OidcBrowserTest(BrowserFixture browser) : IAsyncLifetime
{
    protected RegistryServer Server { get; private set; } = null!;
    protected IdentityBridge Bridge { get; private set; } = null!;

    /// <summary>Registry settings on top of the bridge's.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(IdentityBridge.Available, "slapd, node or the bridge's npm packages are missing (run test.sh)");
        var port = IdentityBridge.FreePort();
        Bridge = await IdentityBridge.StartAsync($"http://127.0.0.1:{port}", Xunit.TestContext.Current.CancellationToken);
        Server = new RegistryServer { Port = port };
        foreach (var (key, value) in Bridge.AppSettings().Concat(Settings))
        {
            Server.With(key, value);
        }
    }

    /// <summary>Through the provider's login form; the page is wherever the app sends the browser afterwards.</summary>
    protected async Task<IPage> SignInAsync(TestPerson person, IPage? page = null)
    {
        page ??= await browser.NewPageAsync(Server.BaseUrl);
        await page.GotoAsync("/signin?returnUrl=%2Fcollections");
        await page.WaitForURLAsync($"{Bridge.Authority}/interaction/**");
        await page.FillAsync("#username", person.Username);
        await page.FillAsync("#password", person.Password);
        await page.ClickAsync("#submit");
        return page;
    }

    protected Task<User?> StoredUserAsync(string username) =>
        Server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username));

    protected Task<int> UserCountAsync() => Server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.CountAsync());

    protected async Task<bool> IsAdminAsync(string username)
    {
        var user = await StoredUserAsync(username);
        return await Server.InScopeAsync(async sp => (await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(user!.Id)).IsAdmin);
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Bridge is not null)
        {
            await Bridge.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
