using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Dashboard;

namespace SRegistry.Tests.Teams;

/// <summary>Teams through their services on a real SQLite file: creating, invitations, ownership hand-over.</summary>
public sealed class TeamMembershipTests : DashboardTest
{
    private Task<Principal> WhoAsync(string username) => InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        return await users.PrincipalForAsync((await users.EnsureLocalUserAsync(username, makeAdmin: false)).Id);
    });

    private Task<T> Teams<T>(Func<TeamService, Task<T>> call) => InScopeAsync(sp => call(sp.GetRequiredService<TeamService>()));

    private Task<T> Invitations<T>(Func<TeamInvitations, Task<T>> call) => InScopeAsync(sp => call(sp.GetRequiredService<TeamInvitations>()));

    [Fact]
    public async Task A_team_cannot_take_a_name_a_user_already_has()
    {
        await WhoAsync("carol");
        var alice = await WhoAsync("alice");

        var made = await Teams(t => t.CreateAsync(alice, new NewTeam { Name = "carol" }));

        Assert.Equal(Failure.Conflict, made.Failure);
        Assert.Equal("the name 'carol' is already taken by a user or team", made.Message);
    }

    [Fact]
    public async Task An_avatar_that_is_not_an_image_is_refused_and_no_team_is_made()
    {
        var alice = await WhoAsync("alice");

        var made = await Teams(t => t.CreateAsync(alice, new NewTeam { Name = "astro" }, "<svg/>"u8.ToArray()));

        Assert.Equal(Failure.Invalid, made.Failure);
        Assert.False(await InDatabaseAsync(db => db.Teams.AnyAsync()));
    }

    [Fact]
    public async Task The_last_owner_cannot_leave_until_another_owner_is_promoted()
    {
        var teamId = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
        var alice = await WhoAsync("alice");
        var bobId = (await WhoAsync("bob")).UserId!;

        var leave = await Teams(t => t.RemoveMemberAsync(alice, teamId, alice.UserId!));
        Assert.Equal(Failure.Conflict, leave.Failure);
        Assert.Contains("hand the team over", leave.Message, StringComparison.Ordinal);

        Assert.True((await Teams(t => t.SetRoleAsync(alice, teamId, bobId, TeamRole.Owner))).Succeeded);
        Assert.True((await Teams(t => t.RemoveMemberAsync(alice, teamId, alice.UserId!))).Succeeded);
        var members = await InDatabaseAsync(db => db.TeamMembers.Where(m => m.TeamId == teamId).Select(m => m.Role).ToListAsync());
        Assert.Equal([TeamRole.Owner], members);
    }

    [Fact]
    public async Task An_invitation_is_stored_hashed_and_joins_as_many_people_as_it_allows()
    {
        var teamId = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
        var issued = await Invitations(async i => await i.CreateAsync(await WhoAsync("alice"), teamId, TimeSpan.FromDays(1), uses: 1));

        Assert.False(await InDatabaseAsync(db => db.TeamInvites.AnyAsync(i => i.CodeHash.Contains(issued.Value!.Code))));
        var joined = await Invitations(async i => await i.AcceptAsync(await WhoAsync("bob"), issued.Value!.Code));
        Assert.True(joined.Succeeded, joined.Message);
        var second = await Invitations(async i => await i.AcceptAsync(await WhoAsync("carol"), issued.Value!.Code));
        Assert.Equal(Failure.Forbidden, second.Failure);
        Assert.Equal("this invitation has already been used; ask a team owner for a new one", second.Message);
        Assert.Equal(2, await InDatabaseAsync(db => db.TeamMembers.CountAsync(m => m.TeamId == teamId)));
    }

    [Fact]
    public async Task Expired_and_revoked_invitations_say_so_and_join_no_one()
    {
        var teamId = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
        var alice = await WhoAsync("alice");
        var expiring = await Invitations(i => i.CreateAsync(alice, teamId, TimeSpan.FromHours(1), uses: 5));
        var revoked = await Invitations(i => i.CreateAsync(alice, teamId, TimeSpan.FromDays(1), uses: 5));
        Assert.True((await Invitations(i => i.RevokeAsync(alice, revoked.Value!.Invite.Id))).Succeeded);
        Clock.Advance(TimeSpan.FromHours(2));
        var bob = await WhoAsync("bob");

        var late = await Invitations(i => i.AcceptAsync(bob, expiring.Value!.Code));
        var withdrawn = await Invitations(i => i.AcceptAsync(bob, revoked.Value!.Code));
        var madeUp = await Invitations(i => i.AcceptAsync(bob, new string('a', 40)));

        Assert.Equal("this invitation has expired; ask a team owner for a new one", late.Message);
        Assert.Equal("this invitation has been revoked; ask a team owner for a new one", withdrawn.Message);
        Assert.Equal(Failure.NotFound, madeUp.Failure);
        Assert.Equal(1, await InDatabaseAsync(db => db.TeamMembers.CountAsync(m => m.TeamId == teamId)));
        var states = (await Invitations(i => i.ListAsync(alice, teamId))).Value!.Select(v => v.State).Order().ToList();
        Assert.Equal([InviteState.Expired, InviteState.Revoked], states);
    }

    [Fact]
    public async Task Two_people_racing_for_the_last_use_of_an_invitation_cannot_both_join()
    {
        var teamId = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
        var issued = await Invitations(async i => await i.CreateAsync(await WhoAsync("alice"), teamId, TimeSpan.FromDays(1), uses: 1));
        var racers = await Task.WhenAll(Enumerable.Range(0, 6).Select(n => WhoAsync($"racer{n}")));

        var outcomes = await Task.WhenAll(racers.Select(r => Invitations(i => i.AcceptAsync(r, issued.Value!.Code))));

        Assert.Single(outcomes, o => o.Succeeded);
        Assert.Equal(2, await InDatabaseAsync(db => db.TeamMembers.CountAsync(m => m.TeamId == teamId)));
    }

    [Fact]
    public async Task Only_owners_see_and_make_invitations()
    {
        var teamId = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
        var bob = await WhoAsync("bob");

        Assert.Equal(Failure.Forbidden, (await Invitations(i => i.CreateAsync(bob, teamId, TimeSpan.FromDays(1), 1))).Failure);
        Assert.Equal(Failure.Forbidden, (await Invitations(i => i.ListAsync(bob, teamId))).Failure);
    }
}
