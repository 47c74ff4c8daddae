using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Statistics;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Library;

/// <summary>
/// Pulls are counted in memory and written in batches: a pull succeeds and is counted while the database's write
/// lock is held elsewhere, a batch that cannot be written is kept, and a service stopped by SIGTERM writes what it holds.
/// </summary>
public sealed class BatchedPullCountTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();

    public BatchedPullCountTests()
    {
        // A one-second lock timeout on SQLite, so the locked-out flush fails fast; PostgreSQL keeps the test backend's connection.
        if (!TestBackends.OnPostgres)
        {
            server.With("ConnectionStrings:Registry", $"Data Source={Path.Combine(server.DataPath, "registry.db")};Default Timeout=1");
        }
    }

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_pull_while_the_database_is_write_locked_is_served_and_counted_once_the_lock_goes()
    {
        Assert.SkipWhen(TestBackends.OnPostgres, "SQLite's single-writer lock; PostgreSQL has no database-wide write lock to hold");
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("nora")));
        await library.PushAsync("nora/busy/tool", await sifs.CreateAsync(100_000));
        var counter = server.Services.GetRequiredService<PullCounter>();

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataPath, "registry.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using (var begin = connection.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }
            await new LibraryProtocol(server.Client()).PullAsync("nora/busy/tool");
            await library.PullAsync("nora/busy/tool");
            // The writer is locked out: the batch is kept, not lost.
            await Assert.ThrowsAnyAsync<Exception>(() => counter.FlushAsync());
            Assert.Equal(2, counter.Pending);
        }

        Assert.Equal(2, await counter.FlushAsync());
        Assert.Equal(0, counter.Pending);
        Assert.Equal(2, await DownloadCountAsync(server.Client(), "nora/busy/tool"));
    }

    [Fact]
    public async Task Pulls_of_a_container_deleted_before_the_flush_are_dropped_and_the_rest_are_written()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("olga")));
        await library.PushAsync("olga/kept/tool", await sifs.CreateAsync(100_000));
        await library.PushAsync("olga/gone/tool", await sifs.CreateAsync(100_000));
        await library.PullAsync("olga/kept/tool");
        await library.PullAsync("olga/gone/tool");
        Assert.Equal(HttpStatusCode.OK, (await library.Http.DeleteAsync("v1/images/olga/gone/tool:latest?arch=amd64")).StatusCode);

        await server.FlushPullCountsAsync();

        Assert.Equal(1, await DownloadCountAsync(server.Client(), "olga/kept/tool"));
        Assert.Equal(0, server.Services.GetRequiredService<PullCounter>().Pending);
    }

    [Fact]
    public async Task A_service_stopped_with_SIGTERM_writes_the_pulls_it_counted()
    {
        await using var registry = new RegistryProcess().With("Registry__PullCountFlushInterval", "01:00:00");
        var token = await registry.CreateTokenAsync("pia");
        await registry.StartAsync();
        var library = new LibraryProtocol(registry.Client(token));
        await library.PushAsync("pia/stopped/tool", await sifs.CreateAsync(100_000));
        for (var i = 0; i < 3; i++)
        {
            await new LibraryProtocol(registry.Client()).PullAsync("pia/stopped/tool");
        }
        // An hour between flushes: nothing is written before the stop.
        Assert.Equal(0, await DownloadCountAsync(registry.Client(), "pia/stopped/tool"));

        await registry.StopAsync();
        await registry.StartAsync();

        Assert.Equal(3, await DownloadCountAsync(registry.Client(), "pia/stopped/tool"));
    }

    private static async Task<long> DownloadCountAsync(HttpClient client, string container) =>
        (long)(await LibraryProtocol.DataAsync(await client.GetAsync($"v1/containers/{container}")))["downloadCount"]!;

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
