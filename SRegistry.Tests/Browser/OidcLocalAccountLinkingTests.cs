using SRegistry.Tests.EndToEnd.Identity;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// <c>Registry:LinkLocalAccountsByUsername=true</c> (a site moving from sregistry, whose import made local accounts): the
/// first sign-in through the real provider lands in the local account of that username, with what it owns.
/// </summary>
public sealed class OidcLocalAccountLinkingTests(BrowserFixture browser) : OidcBrowserTest(browser), IClassFixture<BrowserFixture>
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Registry:LinkLocalAccountsByUsername", "true")];

    [Fact]
    public async Task The_first_sign_in_links_the_local_account_and_its_token_keeps_working()
    {
        var token = await Server.CreateTokenAsync("alice");
        var local = await StoredUserAsync("alice");

        var page = await SignInAsync(IdentityBridge.Alice);

        await page.WaitForURLAsync($"{Server.BaseUrl}/collections");
        await page.WaitForReadyAsync();
        await Expect(page.Locator(".user-menu")).ToContainTextAsync("alice");
        var alice = await StoredUserAsync("alice");
        Assert.Equal(local!.Id, alice!.Id);
        Assert.Equal((Bridge.Authority, "alice", "Alice Astronomer"), (alice.ExternalIssuer, alice.ExternalSubject, alice.DisplayName));
        Assert.Equal(1, await UserCountAsync());
        using var client = Server.Client(token);
        using var status = await client.GetAsync("v1/token-status");
        Assert.Contains("\"alice\"", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
