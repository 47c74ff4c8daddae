using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Accounts;
using SRegistry.Web.Components.Pages.Account;
using SRegistry.Web.Components.Pages.Admin;

namespace SRegistry.Tests.Dashboard;

/// <summary>Where admin rights come from, as the admin area shows them, and the sign-in failure page for a taken username.</summary>
public sealed class AccountSourcesPageTests() : DashboardTest(new Dictionary<string, string?> { ["Registry:AdminUsers:0"] = "root" })
{
    [Fact]
    public async Task An_admin_through_AdminUsers_is_marked_so_and_cannot_be_demoted_here()
    {
        await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("root", false));
        await SignInAsync("ada", admin: true);

        var cut = Loaded(Render<AdminPage>());

        cut.WaitForAssertion(() => Assert.Contains("via AdminUsers", cut.Find("[data-testid=admin-listed-root]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("input[data-testid=admin-root]"));
        var outcome = await InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<SRegistry.Core.Data.RegistryDbContext>().Users;
            var ada = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(await users.Where(u => u.Username == "ada").Select(u => u.Id).SingleAsync());
            var root = await users.Where(u => u.Username == "root").Select(u => u.Id).SingleAsync();
            return await sp.GetRequiredService<SRegistry.Core.Admin.UserAdministration>().SetAdminAsync(ada, root, false);
        });
        Assert.Equal(SRegistry.Core.Failure.Conflict, outcome.Failure);
        Assert.Contains("Registry:AdminUsers", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listed_admin_with_a_local_flag_shows_the_switch_and_clearing_it_leaves_the_list_grant()
    {
        await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("root", makeAdmin: true));
        await SignInAsync("ada", admin: true);

        var cut = Loaded(Render<AdminPage>());
        cut.WaitForElement("input[data-testid=admin-root]").Change(false);

        cut.WaitForAssertion(() => Assert.True(FromDatabase(db => db.Users.AnyAsync(u => u.Username == "root" && !u.IsAdmin && u.IsListedAdmin == true))));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=admin-listed-root]")));
    }

    private IRenderedComponent<SignInFailed> RenderFailurePage(string reason, string username)
    {
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo($"/signin/failed?reason={reason}&username={Uri.EscapeDataString(username)}");
        return Render<SignInFailed>();
    }

    [Fact]
    public void A_local_account_clash_names_the_username_and_the_way_out()
    {
        var cut = RenderFailurePage("localaccount", "alice");

        var text = cut.Find("[data-testid=signin-failed]").TextContent;
        Assert.Contains("The username 'alice' belongs to an account made on this registry itself", text, StringComparison.Ordinal);
        Assert.Contains("Registry:LinkLocalAccountsByUsername", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_username_of_another_identity_is_explained_and_a_crafted_username_is_not_echoed()
    {
        var cut = RenderFailurePage("usernametaken", "Call 555-0100 for help");

        var text = cut.Find("[data-testid=signin-failed]").TextContent;
        Assert.Contains("Your username already belongs to another identity-provider account", text, StringComparison.Ordinal);
        Assert.DoesNotContain("555", text, StringComparison.Ordinal);
    }
}
