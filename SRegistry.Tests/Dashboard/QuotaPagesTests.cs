using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Accounts;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Web.Components.Pages.Account;
using SRegistry.Web.Components.Pages.Admin;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Teams;

namespace SRegistry.Tests.Dashboard;

/// <summary>Quotas in the dashboard: admins override them, users and team members see their usage, owners choose whom a collection is charged to.</summary>
public sealed class QuotaPagesTests : DashboardTest
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task An_admin_sets_a_users_quota_in_the_dialog_and_the_list_shows_it()
    {
        await Seed.CollectionAsync("bob", "bobs");
        await Seed.ImageAsync("bob", "bobs", "tool", "amd64", 3 * MiB, "latest");
        await SignInAsync("ada", admin: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<AdminPage>();
        cut.WaitForAssertion(() => Assert.Equal("3 MiB used · no limit", cut.Find("[data-testid=quota-bob] [data-testid=quota-text]").TextContent.Trim()));

        Click(cut, "[data-testid=edit-quota-bob]");
        dialogs.WaitForElement("[data-testid=quota-dialog]");
        dialogs.FindAll("input[type=radio]")[2].Click();
        dialogs.WaitForElement("input[data-testid=quota-amount]").Input("2.5");
        Click(dialogs, "[data-testid=save-quota]");

        cut.WaitForAssertion(() => Assert.Equal((long)(2.5 * 1024 * MiB), FromDatabase(db => db.Users.Where(u => u.Username == "bob").Select(u => u.QuotaBytes).SingleAsync())));
        cut.WaitForAssertion(() => Assert.Equal("3 MiB of 2.5 GiB used (0%)", cut.Find("[data-testid=quota-bob] [data-testid=quota-text]").TextContent.Trim()));
    }

    [Fact]
    public async Task A_limit_that_is_not_positive_is_explained_in_the_dialog_and_nothing_is_stored()
    {
        await SignInAsync("bob");
        await SignInAsync("ada", admin: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<AdminPage>();
        cut.WaitForElement("[data-testid=edit-quota-bob]").Click();
        dialogs.WaitForElement("[data-testid=quota-dialog]");
        dialogs.FindAll("input[type=radio]")[2].Click();

        dialogs.WaitForElement("input[data-testid=quota-amount]").Input("0");
        Click(dialogs, "[data-testid=save-quota]");

        dialogs.WaitForAssertion(() => Assert.Contains("the limit must be more than 0; choose unlimited for no limit", dialogs.Markup, StringComparison.Ordinal));
        Assert.Single(dialogs.FindAll("[data-testid=quota-dialog]"));
        Assert.Null(await InDatabaseAsync(db => db.Users.Where(u => u.Username == "bob").Select(u => u.QuotaBytes).SingleAsync()));
    }

    [Fact]
    public async Task An_admin_makes_a_team_unlimited_and_back_to_the_default()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite);
        await InDatabaseAsync(db => db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(s => s.SetProperty(t => t.QuotaBytes, 5 * MiB)));
        await SignInAsync("ada", admin: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<AdminTeamsPanel>();
        cut.WaitForAssertion(() => Assert.Equal("0 B of 5 MiB used (0%)", cut.Find("[data-testid=quota-crew] [data-testid=quota-text]").TextContent.Trim()));

        Click(cut, "[data-testid=edit-quota-crew]");
        dialogs.WaitForElement("[data-testid=quota-dialog]");
        Assert.Equal("5", dialogs.Find("input[data-testid=quota-amount]").GetAttribute("value"));
        dialogs.FindAll("input[type=radio]")[1].Click();
        Click(dialogs, "[data-testid=save-quota]");
        cut.WaitForAssertion(() => Assert.Equal(0L, TeamQuota(teamId)));
        // The change is stored before the dialog closes and the list reloads: wait for both, so the next click opens a fresh dialog.
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=quota-dialog]")));
        cut.WaitForAssertion(() => Assert.Equal("0 B used · no limit", cut.Find("[data-testid=quota-crew] [data-testid=quota-text]").TextContent.Trim()));

        Click(cut, "[data-testid=edit-quota-crew]");
        dialogs.WaitForAssertion(() => Assert.Contains("The registry's default (unlimited)", dialogs.Find("[data-testid=quota-dialog]").TextContent, StringComparison.Ordinal));
        dialogs.FindAll("input[type=radio]")[0].Click();
        Click(dialogs, "[data-testid=save-quota]");
        cut.WaitForAssertion(() => Assert.Null(TeamQuota(teamId)));
    }

    [Fact]
    public async Task The_token_page_shows_the_users_own_storage_against_the_quota()
    {
        await Seed.CollectionAsync("alice", "mine");
        await Seed.ImageAsync("alice", "mine", "tool", "amd64", 9 * MiB, "latest");
        await Seed.CollectionAsync("bob", "theirs");
        await Seed.ImageAsync("bob", "theirs", "tool", "amd64", 50 * MiB, "latest");
        var alice = await SignInAsync("alice");
        await InDatabaseAsync(db => db.Users.Where(u => u.Id == alice.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.QuotaBytes, 10 * MiB)));

        var cut = Render<Tokens>();

        cut.WaitForAssertion(() => Assert.Equal("9 MiB of 10 MiB used (90%)", cut.Find("[data-testid=my-storage] [data-testid=quota-text]").TextContent.Trim()));
        Assert.Contains("mud-progress-linear-color-warning", cut.Find("[data-testid=my-storage]").InnerHtml, StringComparison.Ordinal);
        Assert.Contains("An administrator set this quota for you.", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Team_members_see_the_teams_storage_and_others_do_not()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", TeamJoinMode.Open, "bob");
        await Seed.CollectionAsync("alice", "shared");
        await Seed.ImageAsync("alice", "shared", "tool", "amd64", 2 * MiB, "latest");
        await InDatabaseAsync(async db =>
        {
            var collection = await db.Collections.SingleAsync(c => c.Name == "shared");
            db.CollectionTeams.Add(new CollectionTeam { CollectionId = collection.Id, TeamId = teamId });
            collection.ChargedTeamId = teamId;
            // A team holds charged storage only once an administrator set its quota (here: no limit).
            (await db.Teams.SingleAsync(t => t.Id == teamId)).QuotaBytes = 0;
            return await db.SaveChangesAsync();
        });

        await SignInAsync("bob");
        var member = Render<TeamPage>(p => p.Add(c => c.Name, "crew"));
        member.WaitForAssertion(() => Assert.Equal("2 MiB used · no limit", member.Find("[data-testid=team-storage] [data-testid=quota-text]").TextContent.Trim()));

        await SignInAsync("carol");
        var stranger = Render<TeamPage>(p => p.Add(c => c.Name, "crew"));
        stranger.WaitForElement("[data-testid=members-table]");
        Assert.Empty(stranger.FindAll("[data-testid=team-storage]"));
    }

    [Fact]
    public async Task An_owner_of_the_collection_and_the_team_charges_the_collection_to_the_team()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite);
        await Seed.CollectionAsync("alice", "lab");
        await InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var who = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("alice", false)).Id);
            return (await sp.GetRequiredService<TeamService>().AssignAsync(who, "lab", "crew", assign: true)).Succeeded;
        });
        await InDatabaseAsync(db => db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(s => s.SetProperty(t => t.QuotaBytes, 1024 * MiB)));
        await SignInAsync("alice");
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<CollectionStorageCharge>(p => p.Add(c => c.Collection, "lab"));
        cut.WaitForAssertion(() => Assert.Equal("Storage counts against alice's quota.", cut.Find("[data-testid=charged-to]").TextContent.Trim()));

        cut.Find("[data-testid=collection-charge] div.mud-input-control").MouseDown();
        popovers.WaitForAssertion(() => Assert.Equal(2, popovers.FindAll("div.mud-list-item").Count));
        popovers.FindAll("div.mud-list-item").Single(i => i.TextContent.Contains("team crew", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Equal("Storage counts against team crew's quota.", cut.Find("[data-testid=charged-to]").TextContent.Trim()));
        Assert.Equal(teamId, await InDatabaseAsync(db => db.Collections.Where(c => c.Name == "lab").Select(c => c.ChargedTeamId).SingleAsync()));
    }

    [Fact]
    public async Task Someone_who_cannot_change_the_charge_only_reads_it()
    {
        await Seed.CollectionAsync("alice", "lab");
        await SignInAsync("bob");

        var cut = Render<CollectionStorageCharge>(p => p.Add(c => c.Collection, "lab"));

        cut.WaitForAssertion(() => Assert.Equal("Storage counts against alice's quota.", cut.Find("[data-testid=charged-to]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=charge-select]"));
    }

    private long? TeamQuota(string teamId) => FromDatabase(db => db.Teams.Where(t => t.Id == teamId).Select(t => t.QuotaBytes).SingleAsync());
}
