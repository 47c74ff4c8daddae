using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Teams;

namespace SRegistry.Tests.Dashboard;

public sealed class TeamPagesTests : DashboardTest
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> OpenNewTeamAsync()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await provider.InvokeAsync(async () => reference = await dialogs.ShowAsync<NewTeamDialog>("New team"));
        return (provider, reference!.Result);
    }

    [Fact]
    public async Task A_name_a_user_already_has_is_refused_as_you_type()
    {
        await SignInAsync("carol");
        var (provider, _) = await OpenNewTeamAsync();

        provider.Find("input[data-testid=team-name]").Input("carol");

        provider.WaitForAssertion(() => Assert.Contains("the name 'carol' is already taken by a user or team", provider.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Creating_a_team_with_an_avatar_makes_the_creator_its_owner()
    {
        var alice = await SignInAsync("alice");
        var (provider, result) = await OpenNewTeamAsync();

        provider.Find("input[data-testid=team-name]").Input("astro");
        provider.Find("input[data-testid=team-display-name]").Input("Astronomy");
        provider.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(Png, "logo.png", contentType: "image/png"));
        provider.WaitForElement("[data-testid=avatar-chosen]");
        Click(provider, "[data-testid=create-team]");

        var closed = await result.WaitAsync(TimeSpan.FromSeconds(10), Xunit.TestContext.Current.CancellationToken);
        Assert.Equal("astro", closed!.Data);
        var team = await InDatabaseAsync(db => db.Teams.Include(t => t.Members).SingleAsync());
        Assert.Equal(("Astronomy", "image/png", TeamJoinMode.Invite), (team.DisplayName, team.AvatarContentType, team.JoinMode));
        Assert.Equal(Png, team.Avatar);
        Assert.Equal((alice.Id, TeamRole.Owner), (team.Members.Single().UserId, team.Members.Single().Role));
    }

    [Fact]
    public async Task An_avatar_that_is_not_an_image_is_refused_inline()
    {
        await SignInAsync("alice");
        var (provider, _) = await OpenNewTeamAsync();

        provider.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("<svg onload=alert(1)/>", "logo.png", contentType: "image/png"));

        provider.WaitForAssertion(() => Assert.Equal("the avatar must be a PNG, JPEG, GIF or WebP image", provider.Find("[data-testid=avatar-error]").TextContent));
        Assert.Empty(provider.FindAll("[data-testid=avatar-chosen]"));
    }

    [Fact]
    public async Task A_stranger_joins_an_open_team_from_its_page()
    {
        await Seed.TeamAsync("alice", "club", TeamJoinMode.Open);
        var bob = await SignInAsync("bob");

        var cut = Render<TeamPage>(p => p.Add(c => c.Name, "club"));
        cut.WaitForElement("[data-testid=join-team]").Click();

        cut.WaitForAssertion(() => Assert.Contains("you are a member", cut.Find("[data-testid=my-role]").TextContent, StringComparison.Ordinal));
        Assert.True(await InDatabaseAsync(db => db.TeamMembers.AnyAsync(m => m.UserId == bob.Id && m.Role == TeamRole.Member)));
        Assert.Empty(cut.FindAll("[data-testid=invitations]"));
    }

    [Fact]
    public async Task An_invite_only_team_offers_no_join_button_and_hides_its_management()
    {
        await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite, "bob");
        await SignInAsync("bob");

        var cut = Render<TeamPage>(p => p.Add(c => c.Name, "crew"));

        cut.WaitForElement("[data-testid=members-table]");
        Assert.Empty(cut.FindAll("[data-testid=join-team]"));
        Assert.Empty(cut.FindAll("[data-testid=invitations]"));
        Assert.Empty(cut.FindAll("[data-testid=team-settings]"));
        Assert.Empty(cut.FindAll("[data-testid=remove-member]"));
    }

    [Fact]
    public async Task Owners_create_an_invitation_link_that_is_shown_once_and_listed_as_valid()
    {
        await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite);
        await SignInAsync("alice");

        var cut = Render<TeamPage>(p => p.Add(c => c.Name, "crew"));
        cut.WaitForElement("[data-testid=create-invite]").Click();

        cut.WaitForElement("[data-testid=invite-link]");
        var link = cut.Find("[data-testid=invite-link] code").TextContent;
        Assert.Matches("/teams/join/[0-9a-f]{40}$", link);
        cut.WaitForAssertion(() => Assert.Equal("valid", cut.Find("[data-testid=invite-state]").TextContent));
        Assert.False(await InDatabaseAsync(db => db.TeamInvites.AnyAsync(i => link.EndsWith(i.CodeHash))));
    }

    [Fact]
    public async Task An_invitation_link_previews_the_team_and_joins_only_on_click()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite);
        var code = await IssueInviteAsync("alice", teamId, uses: 1);
        var bob = await SignInAsync("bob");

        var cut = Render<JoinTeam>(p => p.Add(c => c.Code, code));
        cut.WaitForElement("[data-testid=accept-invite]");
        Assert.False(await InDatabaseAsync(db => db.TeamMembers.AnyAsync(m => m.UserId == bob.Id)));

        Click(cut, "[data-testid=accept-invite]");

        cut.WaitForAssertion(() => Assert.EndsWith("/teams/crew", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.True(await InDatabaseAsync(db => db.TeamMembers.AnyAsync(m => m.UserId == bob.Id && m.TeamId == teamId)));
    }

    [Fact]
    public async Task A_used_expired_or_unknown_link_says_so_plainly()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", TeamJoinMode.Invite, "bob");
        var used = await IssueInviteAsync("alice", teamId, uses: 1);
        await InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var carol = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("carol", false)).Id);
            return (await sp.GetRequiredService<TeamInvitations>().AcceptAsync(carol, used)).Succeeded;
        });
        await SignInAsync("dave");

        Assert.Equal("This invitation has already been used. Ask a team owner for a new one.", ProblemShownFor(used));
        Assert.Equal("this invitation link is not valid; check that you copied all of it", ProblemShownFor("nonsense"));
        var expiring = await IssueInviteAsync("alice", teamId, uses: 3);
        Clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal("This invitation has expired. Ask a team owner for a new one.", ProblemShownFor(expiring));
    }

    [Fact]
    public async Task Collection_owners_assign_a_team_and_others_do_not_see_the_control()
    {
        await Seed.CollectionAsync("alice", "galaxies", isPrivate: true);
        await Seed.TeamAsync("bob", "crew", TeamJoinMode.Invite);
        await SignInAsync("alice");

        var cut = Render<CollectionPage>(p => p.Add(c => c.Name, "galaxies"));
        cut.WaitForElement("[data-testid=collection-teams]");
        cut.Find("input[data-testid=assign-team-name]").Input("crew");
        cut.Find("input[data-testid=assign-team-name]").Blur();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=assign-team]").HasAttribute("disabled")));
        Click(cut, "[data-testid=assign-team]");

        cut.WaitForAssertion(() => Assert.Contains("crew", cut.Find("[data-testid=assigned-team]").TextContent, StringComparison.Ordinal));
        Assert.True(await InDatabaseAsync(db => db.CollectionTeams.AnyAsync(l => l.Team!.Name == "crew" && l.Collection!.Name == "galaxies")));

        await SignInAsync("bob");
        var asTeamOwner = Render<CollectionPage>(p => p.Add(c => c.Name, "galaxies"));
        asTeamOwner.WaitForElement("[data-testid=description]");
        Assert.Empty(asTeamOwner.FindAll("[data-testid=collection-teams]"));
    }

    private string ProblemShownFor(string code)
    {
        var cut = Render<JoinTeam>(p => p.Add(c => c.Code, code));
        return cut.WaitForElement("[data-testid=invite-problem]").TextContent.Trim();
    }

    private Task<string> IssueInviteAsync(string owner, string teamId, int uses) => InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        var who = await users.PrincipalForAsync((await users.EnsureLocalUserAsync(owner, false)).Id);
        var issued = await sp.GetRequiredService<TeamInvitations>().CreateAsync(who, teamId, TimeSpan.FromDays(7), uses);
        return issued.Value!.Code;
    });
}
