using System.Net;
using Microsoft.Data.Sqlite;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// SQLite under write contention: writers queue behind each other and succeed; one that waits past the command timeout
/// gets a 503 in the protocol's envelope with Retry-After, never a 500; reads go on; the file stays intact.
/// </summary>
public sealed class DatabaseBusyTests : IClassFixture<DatabaseBusyTests.Server>
{
    /// <summary>A one-second lock timeout, so "locked for too long" takes a second, not SQLite's default thirty.</summary>
    public sealed class Server : RegistryServer
    {
        public Server() => With("ConnectionStrings:Registry", $"Data Source={Path.Combine(DataPath, "registry.db")};Default Timeout=1");
    }

    private readonly Server server;

    public DatabaseBusyTests(Server server)
    {
        Assert.SkipWhen(TestBackends.OnPostgres, "SQLite's single-writer lock; PostgreSQL locks rows, as the concurrent push tests exercise");
        this.server = server;
    }

    [Fact]
    public async Task A_write_that_waits_past_the_lock_timeout_gets_503_and_changes_nothing()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("waiter")));
        await library.EnsureContainerAsync("waiter", "before-lock", "c");
        var before = await StoreFingerprint.TakeAsync(server.DataPath);

        await using (var holder = await HoldWriteLockAsync())
        {
            var refused = await library.Http.PostAsync("v1/collections", LibraryProtocol.Json(new { name = "during-lock" }));
            Assert.Contains("busy", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.ServiceUnavailable), StringComparison.Ordinal);
            Assert.NotNull(refused.Headers.RetryAfter);
            // WAL: readers never wait for the writer.
            Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("v1/collections/waiter/before-lock")).StatusCode);
            Assert.Equal(before, await StoreFingerprint.TakeAsync(server.DataPath));
        }

        Assert.Equal(HttpStatusCode.OK, (await library.Http.PostAsync("v1/collections", LibraryProtocol.Json(new { name = "after-lock" }))).StatusCode);
        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(server.DataPath));
    }

    [Fact]
    public async Task Concurrent_writers_are_retried_or_told_to_retry_and_the_database_stays_intact()
    {
        var token = await server.CreateTokenAsync("crowd");
        var library = new LibraryProtocol(server.Client(token));
        await library.EnsureContainerAsync("crowd", "crowd", "base");
        // A short lock held while 40 writers arrive: they wait it out, one after another.
        HttpResponseMessage[] answers;
        await using (var holder = await HoldWriteLockAsync())
        {
            var writes = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            {
                using var client = server.Client(token);
                return i % 2 == 0
                    ? await client.PostAsync("v1/collections", LibraryProtocol.Json(new { name = $"crowd-{i}" }))
                    : await client.PostAsync("v1/containers", LibraryProtocol.Json(new { name = $"c{i}", collection = await CollectionIdAsync(client) }));
            })).ToList();
            await Task.Delay(300);
            await holder.DisposeAsync();
            answers = await Task.WhenAll(writes);
        }

        foreach (var answer in answers)
        {
            Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
            if (answer.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                await LibraryProtocol.ErrorAsync(answer, HttpStatusCode.ServiceUnavailable);
            }
        }
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(server.DataPath));
    }

    private static async Task<string> CollectionIdAsync(HttpClient client) =>
        (string)(await LibraryProtocol.DataAsync(await client.GetAsync("v1/collections/crowd/crowd")))["id"]!;

    /// <summary>Another process's writer holding SQLite's write lock until disposed.</summary>
    private async Task<LockHolder> HoldWriteLockAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataPath, "registry.db")};Pooling=False");
        await connection.OpenAsync();
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }
        return new LockHolder(connection);
    }

    private sealed class LockHolder(SqliteConnection connection) : IAsyncDisposable
    {
        private bool released;

        public async ValueTask DisposeAsync()
        {
            if (released)
            {
                return;
            }
            released = true;
            await using (var rollback = connection.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync();
            }
            await connection.DisposeAsync();
        }
    }
}
