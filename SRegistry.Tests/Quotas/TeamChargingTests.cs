using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Quotas;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Quotas;

/// <summary>
/// Whom a push is charged to: the collection's owner, or the assigned team the collection is charged to. Charging needs
/// someone who owns both; either side may move the storage back to the owner.
/// </summary>
public sealed class TeamChargingTests : IClassFixture<TeamChargingTests.Server>, IDisposable
{
    public sealed class Server : RegistryServer;

    private readonly Server server;
    private readonly SifFiles sifs = new();

    public TeamChargingTests(Server server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Pushes_into_a_collection_charged_to_a_team_count_against_the_team_not_the_owner()
    {
        var (owner, member) = (await server.CreateTokenAsync("ch-alice"), await server.CreateTokenAsync("ch-bob"));
        var seed = await sifs.CreateAsync(40_000);
        await new LibraryProtocol(server.Client(owner)).PushAsync("ch-alice/labdata/seed", seed);
        var teamId = await CreateTeamAsync("ch-alice", "ch-lab", members: "ch-bob");
        Assert.True((await AsAsync<TeamService, bool>("ch-alice", (t, who) => t.AssignAsync(who, "labdata", "ch-lab", assign: true))).Succeeded);

        var charged = await AsAsync<QuotaAdministration, CollectionCharge>("ch-alice", (q, who) => q.ChargeToAsync(who, "labdata", "ch-lab"));

        Assert.True(charged.Succeeded, charged.Message);
        Assert.Equal(new QuotaAccount(QuotaHolder.Team, teamId, "ch-lab"), charged.Value!.ChargedTo);
        var pushed = await sifs.CreateAsync(60_000);
        var library = new LibraryProtocol(server.Client(member));
        var containerId = await library.EnsureContainerAsync("ch-lab", "labdata", "tool");
        var (imageId, _) = await library.EnsureImageAsync("ch-lab/labdata/tool", containerId, pushed.Hash);
        var receipt = await library.UploadSingleAsync(imageId, pushed.Path, pushed.Hash);
        Assert.Equal(seed.Size + pushed.Size, (long)receipt["quota"]!["quotaUsage"]!);
        Assert.Equal(0, (await MineAsync("ch-alice")).Usage.UsedBytes);
        Assert.Equal(seed.Size + pushed.Size, (await AsAsync<QuotaAdministration, AccountQuota>("ch-bob", (q, who) => q.TeamAsync(who, "ch-lab"))).Value!.Usage.UsedBytes);

        // The team's quota, not the owner's or the pusher's, decides.
        var admin = await AdminAsync();
        await server.InScopeAsync(sp => sp.GetRequiredService<QuotaAdministration>().SetTeamQuotaAsync(admin, teamId,
            new QuotaOverride { Choice = QuotaChoice.Limit, Amount = 1, Unit = QuotaUnit.MiB }));
        var big = await sifs.CreateAsync(1024 * 1024);
        var (bigId, _) = await library.EnsureImageAsync("ch-lab/labdata/tool", containerId, big.Hash);
        var refused = await library.Http.PostAsync($"v2/imagefile/{bigId}", LibraryProtocol.Json(new { filesize = big.Size, sha256sum = big.Hash[7..] }));
        Assert.StartsWith("storage quota exceeded: team 'ch-lab' uses", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Charging_a_collection_to_a_team_needs_someone_who_owns_both()
    {
        await server.CreateTokenAsync("ch-carol");
        await new LibraryProtocol(server.Client(await server.CreateTokenAsync("ch-dave"))).PushAsync("ch-dave/davedata/img", await sifs.CreateAsync(20_000));
        await CreateTeamAsync("ch-carol", "ch-crew");
        await CreateTeamAsync("ch-dave", "ch-own");

        var notAssigned = await AsAsync<QuotaAdministration, CollectionCharge>("ch-dave", (q, who) => q.ChargeToAsync(who, "davedata", "ch-own"));
        Assert.Equal(Failure.Invalid, notAssigned.Failure);
        Assert.True((await AsAsync<TeamService, bool>("ch-dave", (t, who) => t.AssignAsync(who, "davedata", "ch-crew", assign: true))).Succeeded);
        var collectionOwnerOnly = await AsAsync<QuotaAdministration, CollectionCharge>("ch-dave", (q, who) => q.ChargeToAsync(who, "davedata", "ch-crew"));
        var teamOwnerOnly = await AsAsync<QuotaAdministration, CollectionCharge>("ch-carol", (q, who) => q.ChargeToAsync(who, "davedata", "ch-crew"));
        Assert.Equal(Failure.Forbidden, collectionOwnerOnly.Failure);
        Assert.Equal(Failure.Forbidden, teamOwnerOnly.Failure);
        Assert.Contains("owns both the collection and the team", teamOwnerOnly.Message, StringComparison.Ordinal);
        Assert.Empty((await AsAsync<QuotaAdministration, CollectionCharge>("ch-dave", (q, who) => q.ChargeOfAsync(who, "davedata"))).Value!.ChargeableTeams);

        var admin = await AdminAsync();
        var byAdmin = await server.InScopeAsync(sp => sp.GetRequiredService<QuotaAdministration>().ChargeToAsync(admin, "davedata", "ch-crew"));
        Assert.Equal(QuotaHolder.Team, byAdmin.Value!.ChargedTo.Holder);
        // Either side may stop it: here the team's owner hands the storage back to the collection's owner.
        var handedBack = await AsAsync<QuotaAdministration, CollectionCharge>("ch-carol", (q, who) => q.ChargeToAsync(who, "davedata", null));
        Assert.True(handedBack.Succeeded, handedBack.Message);
        Assert.Equal(new QuotaAccount(QuotaHolder.User, await UserIdAsync("ch-dave"), "ch-dave"), handedBack.Value!.ChargedTo);
        var stranger = await AsAsync<QuotaAdministration, CollectionCharge>("ch-carol", (q, who) => q.ChargeToAsync(who, "davedata", null));
        Assert.True(stranger.Succeeded, "moving an owner-charged collection to its owner changes nothing and is allowed to whoever may see it");
    }

    [Fact]
    public async Task A_team_that_is_unassigned_or_deleted_stops_paying_for_the_collection()
    {
        await new LibraryProtocol(server.Client(await server.CreateTokenAsync("ch-erin"))).PushAsync("ch-erin/erindata/img", await sifs.CreateAsync(30_000));
        var firstTeam = await CreateTeamAsync("ch-erin", "ch-first");
        var secondTeam = await CreateTeamAsync("ch-erin", "ch-second");
        foreach (var team in new[] { "ch-first", "ch-second" })
        {
            Assert.True((await AsAsync<TeamService, bool>("ch-erin", (t, who) => t.AssignAsync(who, "erindata", team, assign: true))).Succeeded);
        }

        Assert.True((await AsAsync<QuotaAdministration, CollectionCharge>("ch-erin", (q, who) => q.ChargeToAsync(who, "erindata", "ch-first"))).Succeeded);
        Assert.True((await AsAsync<TeamService, bool>("ch-erin", (t, who) => t.AssignAsync(who, "erindata", "ch-first", assign: false))).Succeeded);
        Assert.Equal(QuotaHolder.User, (await AccountOfAsync("erindata")).Holder);

        Assert.True((await AsAsync<QuotaAdministration, CollectionCharge>("ch-erin", (q, who) => q.ChargeToAsync(who, "erindata", "ch-second"))).Succeeded);
        Assert.Equal(secondTeam, (await AccountOfAsync("erindata")).Id);
        Assert.True((await AsAsync<TeamService, bool>("ch-erin", (t, who) => t.DeleteAsync(who, secondTeam))).Succeeded);
        Assert.Equal(QuotaHolder.User, (await AccountOfAsync("erindata")).Holder);
        Assert.NotEqual(firstTeam, secondTeam);
    }

    private Task<QuotaAccount> AccountOfAsync(string collection) => server.InScopeAsync(async sp =>
    {
        var id = await sp.GetRequiredService<RegistryDbContext>().Collections.Where(c => c.Name == collection).Select(c => c.Id).SingleAsync();
        return await sp.GetRequiredService<QuotaAccounting>().AccountOfAsync(id);
    });

    private async Task<AccountQuota> MineAsync(string username) =>
        (await AsAsync<QuotaAdministration, AccountQuota>(username, (q, who) => q.MineAsync(who))).Value!;

    /// <summary>A team whose quota an administrator has set (1 GiB): only such a team can be charged for a collection.</summary>
    private async Task<string> CreateTeamAsync(string owner, string name, params string[] members)
    {
        var team = await AsAsync<TeamService, Team>(owner, (t, who) => t.CreateAsync(who, new NewTeam { Name = name }));
        Assert.True(team.Succeeded, team.Message);
        var admin = await AdminAsync();
        var set = await server.InScopeAsync(sp => sp.GetRequiredService<QuotaAdministration>().SetTeamQuotaAsync(admin, team.Value!.Id,
            new QuotaOverride { Choice = QuotaChoice.Limit, Amount = 1, Unit = QuotaUnit.GiB }));
        Assert.True(set.Succeeded, set.Message);
        foreach (var member in members)
        {
            Assert.True((await AsAsync<TeamService, TeamMember>(owner, (t, who) => t.AddMemberAsync(who, team.Value!.Id, member))).Succeeded);
        }
        return team.Value!.Id;
    }

    private Task<string> UserIdAsync(string username) => server.InScopeAsync(sp =>
        sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync());

    private Task<Principal> AdminAsync() => server.InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        return await users.PrincipalForAsync((await users.EnsureLocalUserAsync("ch-admin", makeAdmin: true)).Id);
    });

    /// <summary>Calls a Core service as the named user, with the principal read fresh (team ownership included).</summary>
    private Task<Outcome<T>> AsAsync<TService, T>(string username, Func<TService, Principal, Task<Outcome<T>>> call) where TService : notnull =>
        server.InScopeAsync(async sp =>
        {
            var who = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(await UserIdAsync(username));
            return await call(sp.GetRequiredService<TService>(), who);
        });

    public void Dispose() => sifs.Dispose();
}
