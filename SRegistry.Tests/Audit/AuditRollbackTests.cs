using Microsoft.EntityFrameworkCore;
using SRegistry.Core;
using SRegistry.Core.Admin;
using SRegistry.Core.Audit;
using SRegistry.Core.Browsing;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Core.Teams;

namespace SRegistry.Tests.Audit;

/// <summary>
/// An event and its change commit together or not at all. The database itself refuses a write (a trigger, as a full
/// disk would), either to the audit table or to the changed table, and afterwards neither the change nor an event is there.
/// </summary>
public sealed class AuditRollbackTests : AuditFixture
{
    [Fact]
    public async Task A_refused_audit_write_undoes_a_bulk_change_made_in_the_same_transaction()
    {
        var bob = (await WhoAsync("bob")).UserId!;
        var ada = await WhoAsync("ada", admin: true);
        var before = await LastEventIdAsync();
        await RefuseWritesAsync("AuditEvents", "INSERT");

        await Assert.ThrowsAnyAsync<Exception>(() => Call<UserAdministration, Outcome<bool>>(a => a.SetAdminAsync(ada, bob, true)));

        Assert.False(await InDatabaseAsync(db => db.Users.Where(u => u.Id == bob).Select(u => u.IsAdmin).SingleAsync()));
        Assert.Empty(await EventsAfterAsync(before));
    }

    [Fact]
    public async Task A_refused_audit_write_keeps_a_collection_that_was_being_deleted()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
        await RefuseWritesAsync("AuditEvents", "INSERT");

        await Assert.ThrowsAnyAsync<Exception>(async () => await Call<CollectionBrowsing, Outcome<int>>(async c => await c.DeleteAsync(await WhoAsync("alice"), "tools")));

        Assert.Equal(1, await InDatabaseAsync(db => db.Images.CountAsync(i => i.Container!.Collection!.Name == "tools")));
    }

    [Fact]
    public async Task A_removal_the_database_refuses_leaves_no_event()
    {
        var team = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
        var bob = await UserIdAsync("bob");
        var before = await LastEventIdAsync();
        await RefuseWritesAsync("TeamMembers", "DELETE");

        await Assert.ThrowsAnyAsync<Exception>(async () => await Call<TeamService, Outcome<bool>>(async s => await s.RemoveMemberAsync(await WhoAsync("alice"), team, bob)));

        Assert.Empty(await EventsAfterAsync(before));
        Assert.Equal(2, await InDatabaseAsync(db => db.TeamMembers.CountAsync(m => m.TeamId == team)));
    }

    [Fact]
    public async Task A_join_the_database_refuses_gives_the_invitation_use_back_and_leaves_no_event()
    {
        var team = await Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
        var invite = await Call<TeamInvitations, Outcome<IssuedInvite>>(async i => await i.CreateAsync(await WhoAsync("alice"), team, TimeSpan.FromDays(1), 1));
        var bob = await WhoAsync("bob");
        var before = await LastEventIdAsync();
        await RefuseWritesAsync("TeamMembers", "INSERT");

        // SQLite reports the trigger's abort as a constraint error, which the join reports as a conflict; PostgreSQL's raises.
        await RefusedAsync(() => Call<TeamInvitations, Outcome<Team>>(i => i.AcceptAsync(bob, invite.Value!.Code)));

        Assert.Empty(await EventsAfterAsync(before));
        Assert.Equal(1, await InDatabaseAsync(db => db.TeamInvites.Where(i => i.TeamId == team).Select(i => i.UsesLeft).SingleAsync()));
    }

    [Fact]
    public async Task A_refused_change_leaves_no_event()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
        var before = await LastEventIdAsync();

        // Refused by the rules rather than the database: not the owner, a tag that is not there, a team name taken.
        var mallory = await WhoAsync("mallory");
        Assert.False((await Call<CollectionBrowsing, Outcome<int>>(c => c.DeleteAsync(mallory, "tools"))).Succeeded);
        Assert.False((await Call<ContainerBrowsing, Outcome<bool>>(async c => await c.RemoveTagAsync(await WhoAsync("alice"), "tools", "alpine", "amd64", "nope"))).Succeeded);
        Assert.False((await Call<TeamService, Outcome<Team>>(s => s.CreateAsync(mallory, new NewTeam { Name = "alice" }))).Succeeded);

        Assert.Empty(await EventsAfterAsync(before));
    }

    private static async Task RefusedAsync<T>(Func<Task<Outcome<T>>> call)
    {
        try
        {
            Assert.False((await call()).Succeeded);
        }
        catch (DbUpdateException)
        {
            // Refused by the database: just as good.
        }
    }

    [Fact]
    public async Task A_dry_run_of_the_garbage_collection_is_not_recorded()
    {
        var ada = await WhoAsync("ada", admin: true);
        var before = await LastEventIdAsync();

        Assert.True((await Call<GarbageCollector, Outcome<GarbageReport>>(g => g.CollectAsync(ada, dryRun: true))).Succeeded);

        Assert.Empty(await EventsAfterAsync(before));
    }
}
