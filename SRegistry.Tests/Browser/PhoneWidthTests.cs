using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SRegistry.Core.Accounts;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// Issue 16 at 390 px (a phone): no page is wider than the screen, every button (copy buttons among them) is on it, and
/// axe-core finds no serious violation there, signed out (sign-in and 404 pages too) and signed in as an admin (a team
/// page, an invitation, the admin area; the user menu's button has a name). On the container page every labelled row
/// shows its value and every copy command can be read to its end. Each page's picture goes to
/// TestResults/screenshots/phone-*.png.
/// </summary>
public sealed class PhoneWidthTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const int PhoneWidth = 390;
    private static readonly string AxeScript = Path.Combine(Repository.Root, "SRegistry.Tests", "Browser", "axe", "node_modules", "axe-core", "axe.min.js");
    private const string ContainerPage = "/collections/astro/wsclean";
    private static readonly string[] PublicPages = ["/", "/collections", "/collections/astro", ContainerPage, "/teams", "/no/such/page"];
    private static readonly string[] SignedInPages = ["/collections/astro", ContainerPage, "/auth/tokens", "/auth/keys", "/teams", "/teams/crew", "/admin"];

    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();
    private string invitation = "";

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(File.Exists(AxeScript), "axe-core is not installed (test.sh installs it from SRegistry.Tests/Browser/axe)");
        // ada is an admin, so the admin area is among her pages.
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("ada", admin: true)));
        // Long names and several tags: what pushes a narrow layout sideways.
        await library.PushAsync("ada/astro/wsclean", await sifs.CreateAsync(4096), "amd64", false, "v3.4", "v3.4-with-a-rather-long-tag-name", "latest");
        await library.PushAsync("ada/astro/wsclean", await sifs.CreateAsync(4096), "amd64", false, "v3.3");
        invitation = "/teams/join/" + await TeamWithInvitationAsync("bob", "crew");
    }

    [Fact]
    public async Task Public_pages_fit_a_phone_and_pass_axe()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, width: PhoneWidth, height: 844, bypassCsp: true);

        // The sign-in form is a static page: there is no circuit to wait for.
        var problems = await CheckAsync(page, "/signin/dev", "phone", interactive: false);
        foreach (var path in PublicPages)
        {
            problems.AddRange(await CheckAsync(page, path, "phone"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Signed_in_pages_fit_a_phone_and_pass_axe()
    {
        var page = await browser.NewPageAsync(server.BaseUrl, width: PhoneWidth, height: 844, bypassCsp: true);
        await page.DevSignInAsync("ada");

        var problems = new List<string>();
        foreach (var path in SignedInPages)
        {
            problems.AddRange(await CheckAsync(page, path, "phone-signed-in"));
        }
        problems.AddRange(await CheckAsync(page, invitation, "phone-signed-in", screenshot: "phone-signed-in-invitation"));
        await Expect(page.GetByTestId("accept-invite")).ToBeVisibleAsync();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // The menu button is named for what it is (the username alone did not say it opens a menu), and says it opens a menu.
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "ada: user menu", Exact = true });
        Assert.Equal(1, await menu.CountAsync());
        Assert.Contains(await menu.GetAttributeAsync("aria-haspopup"), new[] { "true", "menu" });
    }

    /// <summary>A team by invitation owned by someone else, and a code for one person: ada sees the page an invited person sees.</summary>
    private async Task<string> TeamWithInvitationAsync(string owner, string team) => await server.InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        var who = await users.PrincipalForAsync((await users.EnsureLocalUserAsync(owner, makeAdmin: false)).Id);
        var created = await sp.GetRequiredService<TeamService>().CreateAsync(who,
            new NewTeam { Name = team, DisplayName = $"The {team} team", JoinMode = TeamJoinMode.Invite });
        Assert.True(created.Succeeded, created.Message);
        who = await users.PrincipalForAsync(who.UserId!);
        var invite = await sp.GetRequiredService<TeamInvitations>().CreateAsync(who, created.Value!.Id, TimeSpan.FromDays(1), 1);
        Assert.True(invite.Succeeded, invite.Message);
        return invite.Value!.Code;
    });

    private static async Task<List<string>> CheckAsync(IPage page, string path, string prefix, bool interactive = true, string? screenshot = null)
    {
        if (interactive)
        {
            await page.OpenAsync(path);
        }
        else
        {
            await page.GotoAsync(path);
        }
        await page.ScreenshotAsync(screenshot ?? $"{prefix}{(path == "/" ? "-home" : path.Replace('/', '-'))}");
        var problems = path == ContainerPage ? await PhoneLayoutChecks.LabelsAndCommandsAsync(page, PhoneWidth) : [];
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        if (width > PhoneWidth)
        {
            problems.Add($"{path}: the page is {width} px wide on a {PhoneWidth} px screen");
        }
        var offScreen = await page.EvaluateAsync<JsonElement>(
            "w => [...document.querySelectorAll('button, a.mud-button-root')].filter(b => b.offsetParent !== null)" +
            ".filter(b => { const r = b.getBoundingClientRect(); return r.right > w + 1 || r.left < -1; })" +
            ".map(b => (b.getAttribute('aria-label') || b.textContent.trim()) + ' at ' + Math.round(b.getBoundingClientRect().left))", PhoneWidth);
        problems.AddRange(offScreen.EnumerateArray().Select(b => $"{path}: button off screen: {b.GetString()}"));
        await page.AddScriptTagAsync(new() { Path = AxeScript });
        var violations = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations" +
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')" +
            ".map(v => v.id + ' (' + v.help + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))");
        problems.AddRange(violations.EnumerateArray().Select(v => $"{path}: {v.GetString()}"));
        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
