using Microsoft.EntityFrameworkCore;
using SRegistry.Core;
using SRegistry.Core.Admin;
using SRegistry.Core.Audit;
using SRegistry.Core.Browsing;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Publishing;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Core.Teams;
using SRegistry.Core.Accounts;
using SRegistry.Core.Keys;
using SRegistry.Tests.EndToEnd.KeyClient;

namespace SRegistry.Tests.Audit;

/// <summary>
/// Every audited action, through the real services: the action leaves exactly one event, naming who did it and to
/// what. Each case arranges what it needs, then acts; only what the act wrote is looked at.
/// </summary>
public sealed class AuditActionTests : AuditFixture
{
    private sealed record Case(string Action, string? Actor, string Target, Func<AuditActionTests, Task<Func<Task>>> Prepare);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["create a collection"] = new(AuditActions.CollectionCreate, "alice", "tools", async t =>
        {
            await t.WhoAsync("alice");
            return () => t.Succeeds<LibraryCollections, CollectionView>(async n => await n.CreateCollectionAsync(await t.WhoAsync("alice"), null, "tools", "", false, fromPush: false));
        }),
        ["make a collection private"] = new(AuditActions.CollectionVisibility, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools", description: "kit");
            return () => t.Succeeds<CollectionBrowsing, bool>(async c => await c.UpdateAsync(await t.WhoAsync("alice"), "tools", "kit", isPrivate: true));
        }),
        ["change a collection's description"] = new(AuditActions.CollectionDescription, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools", description: "kit");
            return () => t.Succeeds<CollectionBrowsing, bool>(async c => await c.UpdateAsync(await t.WhoAsync("alice"), "tools", "new kit", isPrivate: false));
        }),
        ["delete a collection"] = new(AuditActions.CollectionDelete, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
            return () => t.Succeeds<CollectionBrowsing, int>(async c => await c.DeleteAsync(await t.WhoAsync("alice"), "tools"));
        }),
        ["switch publishing of a collection"] = new(AuditActions.CollectionPublish, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            return () => t.Succeeds<PublishChoices, PublishChoice?>(async p => await p.SetAsync(await t.WhoAsync("alice"), "tools", false));
        }),
        ["add a reader to a collection"] = new(AuditActions.CollectionReaderAdd, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools", isPrivate: true);
            await t.WhoAsync("rita");
            return () => t.Succeeds<CollectionReaders, bool>(async r => await r.SetAsync(await t.WhoAsync("alice"), "tools", "rita", reader: true));
        }),
        ["remove a reader from a collection"] = new(AuditActions.CollectionReaderRemove, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools", isPrivate: true);
            await t.WhoAsync("rita");
            await t.Succeeds<CollectionReaders, bool>(async r => await r.SetAsync(await t.WhoAsync("alice"), "tools", "rita", reader: true));
            return () => t.Succeeds<CollectionReaders, bool>(async r => await r.SetAsync(await t.WhoAsync("alice"), "tools", "rita", reader: false));
        }),
        ["create a container"] = new(AuditActions.ContainerCreate, "alice", "tools/alpine", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            var collection = await t.InDatabaseAsync(db => db.Collections.Where(c => c.Name == "tools").Select(c => c.Id).SingleAsync());
            return () => t.Succeeds<LibraryContainers, ContainerView>(async n => await n.CreateContainerAsync(await t.WhoAsync("alice"), collection, "alpine", ""));
        }),
        ["publish a signing key"] = new(AuditActions.KeyPublish, "alice", "", async t =>
        {
            var key = await NewKeyAsync();
            await t.WhoAsync("alice");
            return () => t.Succeeds<Keyserver, IReadOnlyList<PublishedKey>>(async k => await k.PublishAsync(await t.WhoAsync("alice"), key.Armored));
        }),
        ["remove a signing key"] = new(AuditActions.KeyRemove, "alice", "", async t =>
        {
            var key = await NewKeyAsync();
            await t.Succeeds<Keyserver, IReadOnlyList<PublishedKey>>(async k => await k.PublishAsync(await t.WhoAsync("alice"), key.Armored));
            return () => t.Succeeds<PublishedKeys, bool>(async k => await k.RemoveAsync(await t.WhoAsync("alice"), key.Fingerprint));
        }),
        ["first sign-in through the identity provider"] = new(AuditActions.UserCreate, "newton", "newton", t =>
            Task.FromResult<Func<Task>>(() => t.Call<ExternalAccounts, ExternalSignIn>(a =>
                a.SignInAsync(new ProviderIdentity("https://idp.example.org", "sub-newton", "newton", "Isaac Newton", "newton@hpc.test", true, []))))),
        ["freeze a container"] = new(AuditActions.ContainerFreeze, "alice", "tools/alpine", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
            return () => t.Succeeds<ContainerBrowsing, bool>(async c => await c.SetFrozenAsync(await t.WhoAsync("alice"), "tools", "alpine", frozen: true));
        }),
        ["unfreeze a container"] = new(AuditActions.ContainerUnfreeze, "alice", "tools/alpine", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
            await t.Succeeds<ContainerBrowsing, bool>(async c => await c.SetFrozenAsync(await t.WhoAsync("alice"), "tools", "alpine", frozen: true));
            return () => t.Succeeds<ContainerBrowsing, bool>(async c => await c.SetFrozenAsync(await t.WhoAsync("alice"), "tools", "alpine", frozen: false));
        }),
        ["assign a team to a collection"] = new(AuditActions.CollectionTeamAssign, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            return () => t.Succeeds<TeamService, bool>(async s => await s.AssignAsync(await t.WhoAsync("alice"), "tools", "astro", assign: true));
        }),
        ["unassign a team from a collection"] = new(AuditActions.CollectionTeamUnassign, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            await t.Succeeds<TeamService, bool>(async s => await s.AssignAsync(await t.WhoAsync("alice"), "tools", "astro", assign: true));
            return () => t.Succeeds<TeamService, bool>(async s => await s.AssignAsync(await t.WhoAsync("alice"), "tools", "astro", assign: false));
        }),
        ["charge a collection to a team"] = new(AuditActions.CollectionCharge, "alice", "tools", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            await t.Succeeds<TeamService, bool>(async s => await s.AssignAsync(await t.WhoAsync("alice"), "tools", "astro", assign: true));
            await t.Succeeds<QuotaAdministration, AccountQuota>(async q => await q.SetTeamQuotaAsync(await t.WhoAsync("ada", admin: true), team,
                new QuotaOverride { Choice = QuotaChoice.Limit, Amount = 1, Unit = QuotaUnit.GiB }));
            return () => t.Succeeds<QuotaAdministration, CollectionCharge>(async q => await q.ChargeToAsync(await t.WhoAsync("alice"), "tools", "astro"));
        }),
        ["create a team"] = new(AuditActions.TeamCreate, "alice", "astro", async t =>
        {
            await t.WhoAsync("alice");
            return () => t.Succeeds<TeamService, Team>(async s => await s.CreateAsync(await t.WhoAsync("alice"), new NewTeam { Name = "astro" }));
        }),
        ["delete a team"] = new(AuditActions.TeamDelete, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open, "bob");
            return () => t.Succeeds<TeamService, bool>(async s => await s.DeleteAsync(await t.WhoAsync("alice"), team));
        }),
        ["change how a team is joined"] = new(AuditActions.TeamJoinMode, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            return () => t.Succeeds<TeamService, bool>(async s => await s.UpdateAsync(await t.WhoAsync("alice"), team, "ASTRO", TeamJoinMode.Invite));
        }),
        ["rename a team for display"] = new(AuditActions.TeamUpdate, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            return () => t.Succeeds<TeamService, bool>(async s => await s.UpdateAsync(await t.WhoAsync("alice"), team, "Astronomy", TeamJoinMode.Open));
        }),
        ["join an open team"] = new(AuditActions.MemberJoin, "bob", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            await t.WhoAsync("bob");
            return () => t.Succeeds<TeamService, TeamMember>(async s => await s.JoinAsync(await t.WhoAsync("bob"), team));
        }),
        ["add a member"] = new(AuditActions.MemberAdd, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
            await t.WhoAsync("bob");
            return () => t.Succeeds<TeamService, TeamMember>(async s => await s.AddMemberAsync(await t.WhoAsync("alice"), team, "bob"));
        }),
        ["make a member an owner"] = new(AuditActions.MemberRole, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
            var bob = await t.UserIdAsync("bob");
            return () => t.Succeeds<TeamService, bool>(async s => await s.SetRoleAsync(await t.WhoAsync("alice"), team, bob, TeamRole.Owner));
        }),
        ["leave a team"] = new(AuditActions.MemberLeave, "bob", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
            var bob = await t.UserIdAsync("bob");
            return () => t.Succeeds<TeamService, bool>(async s => await s.RemoveMemberAsync(await t.WhoAsync("bob"), team, bob));
        }),
        ["remove a member"] = new(AuditActions.MemberRemove, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite, "bob");
            var bob = await t.UserIdAsync("bob");
            return () => t.Succeeds<TeamService, bool>(async s => await s.RemoveMemberAsync(await t.WhoAsync("alice"), team, bob));
        }),
        ["create an invitation"] = new(AuditActions.InviteCreate, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
            return () => t.Succeeds<TeamInvitations, IssuedInvite>(async i => await i.CreateAsync(await t.WhoAsync("alice"), team, TimeSpan.FromDays(1), 2));
        }),
        ["accept an invitation"] = new(AuditActions.InviteAccept, "bob", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
            var invite = await t.Call<TeamInvitations, Outcome<IssuedInvite>>(async i => await i.CreateAsync(await t.WhoAsync("alice"), team, TimeSpan.FromDays(1), 2));
            await t.WhoAsync("bob");
            return () => t.Succeeds<TeamInvitations, Team>(async i => await i.AcceptAsync(await t.WhoAsync("bob"), invite.Value!.Code));
        }),
        ["revoke an invitation"] = new(AuditActions.InviteRevoke, "alice", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Invite);
            var invite = await t.Call<TeamInvitations, Outcome<IssuedInvite>>(async i => await i.CreateAsync(await t.WhoAsync("alice"), team, TimeSpan.FromDays(1), 2));
            return () => t.Succeeds<TeamInvitations, bool>(async i => await i.RevokeAsync(await t.WhoAsync("alice"), invite.Value!.Invite.Id));
        }),
        ["create a token"] = new(AuditActions.TokenCreate, "bob", "bob", async t =>
        {
            var bob = (await t.WhoAsync("bob")).UserId!;
            return async () => await t.Call<TokenService, TokenService.IssuedToken>(s => s.IssueAsync(bob, "laptop", null));
        }),
        ["revoke a token"] = new(AuditActions.TokenRevoke, "bob", "bob", async t =>
        {
            var bob = (await t.WhoAsync("bob")).UserId!;
            var token = await t.Call<TokenService, TokenService.IssuedToken>(s => s.IssueAsync(bob, "laptop", null));
            return async () => Assert.True(await t.Call<TokenService, bool>(s => s.RevokeAsync(bob, token.Token.Id)));
        }),
        ["make someone an admin"] = new(AuditActions.UserAdmin, "ada", "bob", async t =>
        {
            var bob = (await t.WhoAsync("bob")).UserId!;
            await t.WhoAsync("ada", admin: true);
            return () => t.Succeeds<UserAdministration, bool>(async a => await a.SetAdminAsync(await t.WhoAsync("ada"), bob, true));
        }),
        ["disable an account"] = new(AuditActions.UserDisable, "ada", "bob", async t =>
        {
            var bob = (await t.WhoAsync("bob")).UserId!;
            await t.WhoAsync("ada", admin: true);
            return () => t.Succeeds<UserAdministration, bool>(async a => await a.SetDisabledAsync(await t.WhoAsync("ada"), bob, true));
        }),
        ["set a user's quota"] = new(AuditActions.QuotaUser, "ada", "bob", async t =>
        {
            var bob = (await t.WhoAsync("bob")).UserId!;
            await t.WhoAsync("ada", admin: true);
            return () => t.Succeeds<QuotaAdministration, AccountQuota>(async q => await q.SetUserQuotaAsync(await t.WhoAsync("ada"), bob,
                new QuotaOverride { Choice = QuotaChoice.Limit, Amount = 5, Unit = QuotaUnit.GiB }));
        }),
        ["set a team's quota"] = new(AuditActions.QuotaTeam, "ada", "astro", async t =>
        {
            var team = await t.Seed.TeamAsync("alice", "astro", TeamJoinMode.Open);
            await t.WhoAsync("ada", admin: true);
            return () => t.Succeeds<QuotaAdministration, AccountQuota>(async q => await q.SetTeamQuotaAsync(await t.WhoAsync("ada"), team,
                new QuotaOverride { Choice = QuotaChoice.Unlimited }));
        }),
        ["move a tag"] = new(AuditActions.TagSet, "alice", "tools/alpine:stable", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            var image = await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
            var container = await t.InDatabaseAsync(db => db.Images.Where(i => i.Id == image).Select(i => i.ContainerId).SingleAsync());
            return () => t.Succeeds<ImageCatalog, Image>(async c => await c.SetTagAsync(await t.WhoAsync("alice"), container, "amd64", "stable", image));
        }),
        ["remove a tag"] = new(AuditActions.TagRemove, "alice", "tools/alpine:old", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest", "old");
            return () => t.Succeeds<ContainerBrowsing, bool>(async c => await c.RemoveTagAsync(await t.WhoAsync("alice"), "tools", "alpine", "amd64", "old"));
        }),
        ["delete an image"] = new(AuditActions.ImageDelete, "alice", "tools/alpine@", async t =>
        {
            await t.Seed.CollectionAsync("alice", "tools");
            var image = await t.Seed.ImageAsync("alice", "tools", "alpine", "amd64", 10, "latest");
            return () => t.Succeeds<ContainerBrowsing, bool>(async c => await c.DeleteImageAsync(await t.WhoAsync("alice"), "tools", "alpine", image));
        }),
        ["collect garbage"] = new(AuditActions.GarbageCollect, "ada", "blob store", async t =>
        {
            await t.WhoAsync("ada", admin: true);
            return () => t.Succeeds<GarbageCollector, GarbageReport>(async g => await g.CollectAsync(await t.WhoAsync("ada"), dryRun: false));
        }),
    };

    private static async Task<(string Fingerprint, string Armored)> NewKeyAsync()
    {
        using var gpg = new GnuPG();
        var fingerprint = await gpg.GenerateAsync("Alice Audited <alice@example.org>");
        return (fingerprint, await gpg.ExportAsync(fingerprint));
    }

    public static TheoryData<string> Actions => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_action_leaves_exactly_one_event_naming_who_and_what(string name)
    {
        var scenario = Cases[name];
        var act = await scenario.Prepare(this);
        var before = await LastEventIdAsync();

        await act();

        var written = await EventsAfterAsync(before);
        var only = Assert.Single(written);
        Assert.Equal(scenario.Action, only.Action);
        Assert.Equal(scenario.Actor, only.Username);
        if (scenario.Target.Length == 0)
        {
            Assert.Matches("^[0-9A-F]{40}$", only.Target); // a key's fingerprint
        }
        else
        {
            Assert.StartsWith(scenario.Target, only.Target, StringComparison.Ordinal);
        }
        Assert.Equal(scenario.Actor is null ? null : await UserIdAsync(scenario.Actor), only.UserId);
        Assert.InRange(only.At, Clock.GetUtcNow().AddMinutes(-1), Clock.GetUtcNow());
    }

    [Fact]
    public void Every_action_name_is_covered_here_or_by_the_push_tests()
    {
        // Pushes and the sregistry import have their own tests (real uploads, the fixture database).
        var covered = Cases.Values.Select(c => c.Action).Append(AuditActions.ImagePush).Append(AuditActions.ImportRun).ToHashSet();
        Assert.Equal(AuditActions.All.Order(), covered.Order());
    }
}
