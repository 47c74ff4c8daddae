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

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// A user over quota cannot push their way out with teams they make themselves (new teams get the default team quota,
/// unlimited here): a collection counts against a team only while an administrator has set that team's quota.
/// Pushes with Apptainer's own library client.
/// </summary>
public sealed class QuotaEscapeClientTests : IAsyncLifetime
{
    private const string Refusal = "storage quota exceeded: user 'olga'";
    private readonly RegistryServer server = new RegistryServer().With("Registry:DefaultTeamQuotaBytes", "0");
    private readonly SifFiles sifs = new();
    private string token = "";

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "golang-go or the apptainer library client source is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        token = await server.CreateTokenAsync("olga");
        Assert.True((await Push(await sifs.CreateAsync(4_000), "olga/mine/seed")).Succeeded);
        await SetUserQuotaAsync(QuotaChoice.Limit, 1);
    }

    private Task<DriverResult> Push((string Path, string Hash, long Size) sif, string reference) =>
        LibraryClientDriver.RunAsync(server.BaseUrl, token, "push", sif.Path, reference);

    [Fact]
    public async Task A_user_over_quota_stays_refused_after_any_sequence_of_team_actions()
    {
        var big = await sifs.CreateAsync(2 * 1024 * 1024);
        Assert.Contains(Refusal, (await Push(big, "olga/mine/big")).Error, StringComparison.Ordinal);

        // A team of her own, assigned to her collection: charging it is refused, and pushes still count against her.
        var teamId = await AsOlgaAsync<TeamService, Team>((t, who) => t.CreateAsync(who, new NewTeam { Name = "olga-lab" }));
        Assert.True((await AsOlgaAsync<TeamService, bool>((t, who) => t.AssignAsync(who, "mine", "olga-lab", assign: true))).Succeeded);
        var charge = await AsOlgaAsync<QuotaAdministration, CollectionCharge>((q, who) => q.ChargeToAsync(who, "mine", "olga-lab"));
        Assert.Equal(Failure.Forbidden, charge.Failure);
        Assert.Contains("no storage quota set by an administrator", charge.Message, StringComparison.Ordinal);
        Assert.Contains(Refusal, (await Push(big, "olga/mine/big")).Error, StringComparison.Ordinal);
        Assert.Contains(Refusal, (await Push(big, "olga-lab/mine/big")).Error, StringComparison.Ordinal);

        // A new collection in the team's namespace is hers too.
        Assert.Contains(Refusal, (await Push(big, "olga-lab/labstuff/big")).Error, StringComparison.Ordinal);

        // Even a charge recorded behind the policy's back (e.g. made before this rule) gives no room while the team has no set quota.
        await InDatabaseAsync(db => db.Collections.Where(c => c.Name == "mine").ExecuteUpdateAsync(s => s.SetProperty(c => c.ChargedTeamId, teamId.Value!.Id)));
        Assert.Contains(Refusal, (await Push(big, "olga/mine/big")).Error, StringComparison.Ordinal);

        // Once an administrator grants the team a quota the charge is the team's; reset to the default, it is hers again.
        await SetTeamQuotaAsync(teamId.Value!.Id, QuotaChoice.Limit, 100);
        Assert.True((await Push(big, "olga/mine/big")).Succeeded);
        await SetTeamQuotaAsync(teamId.Value!.Id, QuotaChoice.Default, 0);
        var other = await sifs.CreateAsync(2 * 1024 * 1024);
        Assert.Contains(Refusal, (await Push(other, "olga/mine/other")).Error, StringComparison.Ordinal);
    }

    private Task<Outcome<T>> AsOlgaAsync<TService, T>(Func<TService, Principal, Task<Outcome<T>>> work) where TService : notnull =>
        server.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var who = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("olga", false)).Id);
            return await work(sp.GetRequiredService<TService>(), who);
        });

    private Task<T> InDatabaseAsync<T>(Func<RegistryDbContext, Task<T>> work) => server.InScopeAsync(sp => work(sp.GetRequiredService<RegistryDbContext>()));

    private Task<bool> SetUserQuotaAsync(QuotaChoice choice, decimal mebibytes) => AsAdminAsync(async (q, admin, db) =>
    {
        var userId = await db.Users.Where(u => u.Username == "olga").Select(u => u.Id).SingleAsync();
        return (await q.SetUserQuotaAsync(admin, userId, new QuotaOverride { Choice = choice, Amount = mebibytes, Unit = QuotaUnit.MiB })).Succeeded;
    });

    private Task<bool> SetTeamQuotaAsync(string teamId, QuotaChoice choice, decimal mebibytes) => AsAdminAsync(async (q, admin, _) =>
        (await q.SetTeamQuotaAsync(admin, teamId, new QuotaOverride { Choice = choice, Amount = mebibytes, Unit = QuotaUnit.MiB })).Succeeded);

    private async Task<bool> AsAdminAsync(Func<QuotaAdministration, Principal, RegistryDbContext, Task<bool>> work)
    {
        var done = await server.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var admin = await users.PrincipalForAsync((await users.EnsureLocalUserAsync("root-admin", makeAdmin: true)).Id);
            return await work(sp.GetRequiredService<QuotaAdministration>(), admin, sp.GetRequiredService<RegistryDbContext>());
        });
        Assert.True(done);
        return done;
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
