using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.Identity;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// The real provider against the account rules with the default settings: a username another account holds ends on
/// the sign-in failure page with the reason, and group admin lasts <c>Registry:GroupClaimsLifetime</c> (one hour here).
/// </summary>
public sealed class OidcAccountRulesTests(BrowserFixture browser) : OidcBrowserTest(browser), IClassFixture<BrowserFixture>
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Registry:GroupClaimsLifetime", "01:00:00")];

    [Fact]
    public async Task A_local_admin_account_of_the_same_username_is_not_taken_over_and_the_page_says_why()
    {
        // `token create --user alice --admin` before alice ever signed in through the provider.
        await Server.CreateTokenAsync("alice", admin: true);

        var page = await SignInAsync(IdentityBridge.Alice);

        await page.WaitForURLAsync("**/signin/failed?reason=localaccount&username=alice");
        await page.WaitForReadyAsync();
        await Expect(page.GetByTestId("signin-failed")).ToContainTextAsync("The username 'alice' belongs to an account made on this registry itself");
        await Expect(page.Locator(".user-menu")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("oidc-clash-local-account");
        var alice = await StoredUserAsync("alice");
        Assert.Equal((null, null, true), (alice!.ExternalSubject, alice.ExternalIssuer, alice.IsAdmin));
        Assert.Equal(1, await UserCountAsync());
    }

    [Fact]
    public async Task A_username_held_by_another_subject_is_refused_with_a_clear_page_not_an_error()
    {
        // The directory was rebuilt and carol is someone else's uid now: the old account keeps its subject.
        await Server.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            db.Users.Add(new User { Username = "carol", ExternalIssuer = Bridge.Authority, ExternalSubject = "carol-before-the-rebuild" });
            return await db.SaveChangesAsync();
        });

        var page = await SignInAsync(IdentityBridge.Carol);

        await page.WaitForURLAsync("**/signin/failed?reason=usernametaken&username=carol");
        await page.WaitForReadyAsync();
        await Expect(page.GetByTestId("signin-failed")).ToContainTextAsync("The username 'carol' already belongs to another identity-provider account");
        await page.ScreenshotAsync("oidc-clash-other-subject");
        Assert.Equal("carol-before-the-rebuild", (await StoredUserAsync("carol"))!.ExternalSubject);
        Assert.Equal(1, await UserCountAsync());
    }

    [Fact]
    public async Task Group_admin_ends_with_the_lifetime_the_browser_session_goes_back_to_the_provider_and_the_new_groups_restore_it()
    {
        var page = await SignInAsync(IdentityBridge.Bob);
        await page.WaitForURLAsync($"{Server.BaseUrl}/collections");
        var bob = await StoredUserAsync("bob");
        Assert.Equal(Bridge.Authority, bob!.ExternalIssuer);
        Assert.True(await IsAdminAsync("bob"));

        Server.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.False(await IsAdminAsync("bob"));

        // The cookie is still young, but its groups are not: the next page goes through the provider (whose own session
        // answers without a form) and comes back with fresh groups.
        await page.GotoAsync("/auth/tokens");
        await page.WaitForURLAsync($"{Server.BaseUrl}/auth/tokens");
        await page.WaitForReadyAsync();
        await Expect(page.Locator(".user-menu")).ToContainTextAsync("bob");
        Assert.True((await StoredUserAsync("bob"))!.GroupsCheckedAt > bob.GroupsCheckedAt);
        Assert.True(await IsAdminAsync("bob"));
    }
}
