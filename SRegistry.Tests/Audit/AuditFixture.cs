using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Tests.Dashboard;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Audit;

/// <summary>Real Core services on a real database (SQLite, or PostgreSQL in test.sh's second pass), with audit helpers.</summary>
public abstract class AuditFixture() : DashboardTest(new Dictionary<string, string?> { ["Registry:Publish:Path"] = "/srv/shared/containers" })
{
    /// <summary>A fresh principal (memberships as stored now), creating the user on first use.</summary>
    public Task<Principal> WhoAsync(string username, bool admin = false) => InScopeAsync(async sp =>
    {
        var users = sp.GetRequiredService<UserAccounts>();
        return await users.PrincipalForAsync((await users.EnsureLocalUserAsync(username, admin)).Id);
    });

    public Task<T> Call<TService, T>(Func<TService, Task<T>> call) where TService : notnull =>
        InScopeAsync(sp => call(sp.GetRequiredService<TService>()));

    /// <summary>Calls a service and insists it succeeded.</summary>
    public async Task Succeeds<TService, T>(Func<TService, Task<Outcome<T>>> call) where TService : notnull
    {
        var outcome = await Call(call);
        Assert.True(outcome.Succeeded, outcome.Message);
    }

    public new Seed Seed => base.Seed;

    public Task<long> LastEventIdAsync() => InDatabaseAsync(async db => await db.AuditEvents.MaxAsync(e => (long?)e.Id) ?? 0);

    public Task<List<AuditEvent>> EventsAfterAsync(long id) =>
        InDatabaseAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Id > id).OrderBy(e => e.Id).ToListAsync());

    public Task<string> UserIdAsync(string username) => InDatabaseAsync(db => db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync());

    public Task<string> TeamIdAsync(string name) => InDatabaseAsync(db => db.Teams.Where(t => t.Name == name).Select(t => t.Id).SingleAsync());

    /// <summary>
    /// Makes the database itself refuse writes to a table from now on (a trigger), as a full disk or a broken
    /// constraint would: the service's save fails the way a real one does.
    /// </summary>
    public Task RefuseWritesAsync(string table, string operation) => InDatabaseAsync(db => db.Database.ExecuteSqlRawAsync(TestBackends.OnPostgres
        ? $"""
           CREATE FUNCTION refuse_{table}_{operation}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER refuse_{table}_{operation} BEFORE {operation} ON "{table}" FOR EACH ROW EXECUTE FUNCTION refuse_{table}_{operation}();
           """
        : $"""CREATE TRIGGER refuse_{table}_{operation} BEFORE {operation} ON "{table}" BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"""));
}
