using Microsoft.Playwright;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>Teams in a real Chromium: creating one, joining an open one, and joining by invitation link.</summary>
public sealed class TeamJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly RegistryServer server = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        return ValueTask.CompletedTask;
    }

    private async Task CreateTeamAsync(IPage page, string name, bool open)
    {
        await page.OpenAsync("/teams");
        await page.GetByTestId("new-team").ClickAsync();
        await page.GetByTestId("team-name").FillHeldAsync(name);
        await page.GetByTestId("team-display-name").FillAsync($"The {name} team");
        if (open)
        {
            await page.GetByText("Open: any signed-in user may join").ClickAsync();
        }
        await page.Locator("[data-testid=new-team-dialog] input[type=file]").SetInputFilesAsync(
            new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = Png });
        await Expect(page.GetByTestId("avatar-chosen")).ToContainTextAsync("logo.png");
        await page.ClickUntilAsync(page.GetByTestId("create-team"),
            timeout => page.WaitForURLAsync($"**/teams/{name}", new() { Timeout = timeout }), $"create-team-{name}");
        await page.WaitForReadyAsync();
    }

    [Fact]
    public async Task A_user_joins_an_open_team_from_its_page()
    {
        var alice = await browser.NewPageAsync(server.BaseUrl);
        await alice.DevSignInAsync("alice");
        await CreateTeamAsync(alice, "club", open: true);
        await Expect(alice.GetByTestId("my-role")).ToHaveTextAsync("you are an owner");
        await Expect(alice.Locator("img.mud-image")).ToHaveJSPropertyAsync("naturalWidth", 1);
        await alice.ScreenshotAsync("team-owner");

        var bob = await browser.NewPageAsync(server.BaseUrl);
        await bob.DevSignInAsync("bob");
        await bob.OpenAsync("/teams");
        await bob.GetByText("The club team").ClickAsync();
        await bob.WaitForURLAsync("**/teams/club");
        await bob.WaitForReadyAsync();
        await bob.GetByTestId("join-team").ClickAsync();

        await Expect(bob.GetByTestId("my-role")).ToHaveTextAsync("you are a member");
        await Expect(bob.GetByTestId("members-table")).ToContainTextAsync("bob");
        await bob.ScreenshotAsync("team-joined");
    }

    [Fact]
    public async Task An_invitation_link_lets_one_person_in_and_then_says_it_is_used()
    {
        var alice = await browser.NewPageAsync(server.BaseUrl);
        await alice.DevSignInAsync("alice");
        await CreateTeamAsync(alice, "crew", open: false);
        await Expect(alice.GetByTestId("join-mode")).ToContainTextAsync("by invitation");
        await alice.ClickUntilAsync(alice.GetByTestId("create-invite"),
            timeout => alice.GetByTestId("invite-link").WaitForAsync(new() { Timeout = timeout }), "create-invite");
        var link = (await alice.GetByTestId("invite-link").Locator("code").TextContentAsync())!.Trim();
        Assert.StartsWith($"{server.BaseUrl}/teams/join/", link, StringComparison.Ordinal);
        await alice.ScreenshotAsync("team-invitation");

        // Carol is not signed in yet: the link sends her through sign-in and back to itself.
        var carol = await browser.NewPageAsync(server.BaseUrl);
        await carol.GotoAsync(link);
        await carol.WaitForURLAsync("**/signin/dev**");
        await carol.FillAsync("#dev-username", "carol");
        await carol.ClickAsync("[data-testid=dev-signin-submit]");
        await carol.WaitForURLAsync(link);
        await carol.WaitForReadyAsync();
        await carol.ClickUntilAsync(carol.GetByTestId("accept-invite"),
            timeout => carol.WaitForURLAsync("**/teams/crew", new() { Timeout = timeout }), "accept-invite");
        await Expect(carol.GetByTestId("my-role")).ToHaveTextAsync("you are a member");

        var dave = await browser.NewPageAsync(server.BaseUrl);
        await dave.DevSignInAsync("dave");
        await dave.OpenAsync(link);
        await Expect(dave.GetByTestId("invite-problem")).ToHaveTextAsync("This invitation has already been used. Ask a team owner for a new one.");
        await Expect(dave.GetByTestId("accept-invite")).ToHaveCountAsync(0);
        await dave.ScreenshotAsync("team-invitation-used");

        await alice.ReloadAsync();
        await alice.WaitForReadyAsync();
        await Expect(alice.GetByTestId("invite-state")).ToHaveTextAsync("used up");
        await Expect(alice.GetByTestId("members-table")).ToContainTextAsync("carol");
        await Expect(alice.GetByTestId("members-table")).Not.ToContainTextAsync("dave");
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
