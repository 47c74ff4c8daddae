using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Web.Components.Pages.Admin;

namespace SRegistry.Tests.Dashboard;

public sealed class AdminPageTests : DashboardTest
{
    [Fact]
    public async Task To_anyone_but_an_admin_the_admin_area_does_not_exist()
    {
        await SignInAsync("alice");

        var cut = Render<AdminPage>();

        cut.WaitForElement("[data-testid=not-found]");
        Assert.Empty(cut.FindAll("[data-testid=users-table]"));
    }

    [Fact]
    public async Task Disabling_a_user_stops_their_token_at_once()
    {
        var token = await InScopeAsync(async sp =>
        {
            var bob = await sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("bob", false);
            return (await sp.GetRequiredService<TokenService>().IssueAsync(bob.Id, "laptop", null)).Secret;
        });
        await SignInAsync("ada", admin: true);

        var dialogs = Render<MudBlazor.MudDialogProvider>();
        var cut = Render<AdminPage>();
        cut.WaitForElement("input[data-testid=disabled-bob]").Change(true);
        // Confirmation dialog: the page asks before disabling.
        cut.WaitForAssertion(() => Assert.Contains("Disable bob?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click();

        cut.WaitForAssertion(() => Assert.True(FromDatabase(db => db.Users.AnyAsync(u => u.Username == "bob" && u.IsDisabled))));
        Assert.Null(await InScopeAsync(sp => sp.GetRequiredService<TokenService>().ValidateAsync(token)));
    }

    [Fact]
    public async Task Admins_promote_others_but_cannot_demote_themselves()
    {
        await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("bob", false));
        await SignInAsync("ada", admin: true);

        var snackbar = Render<MudBlazor.MudSnackbarProvider>();
        var cut = Render<AdminPage>();
        cut.WaitForElement("input[data-testid=admin-bob]").Change(true);
        cut.WaitForAssertion(() => Assert.True(FromDatabase(db => db.Users.AnyAsync(u => u.Username == "bob" && u.IsAdmin))));

        cut.Find("input[data-testid=admin-ada]").Change(false);
        cut.WaitForAssertion(() => Assert.Contains("you cannot change your own admin rights; ask another admin", snackbar.Markup, StringComparison.Ordinal));
        Assert.True(await InDatabaseAsync(db => db.Users.AnyAsync(u => u.Username == "ada" && u.IsAdmin)));
    }
}
