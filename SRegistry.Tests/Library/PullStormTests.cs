using System.Collections.Concurrent;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Library;

/// <summary>
/// Issue 13's load test, bounded to fit the suite: 64 anonymous pullers and 5 pushers at once on one SQLite registry.
/// Pulls never write on the request path, so no push waits behind them; the pull counts, flushed every second while
/// the pushes commit, add up to the pulls made. <c>bench/durability.sh</c> runs the same storm for longer.
/// </summary>
public sealed class PullStormTests : IAsyncLifetime
{
    private const int Pullers = 64;
    private const int PullsEach = 4;
    private const int Pushers = 5;
    private const int PushesEach = 3;

    private readonly RegistryServer server = new RegistryServer().With("Registry:PullCountFlushInterval", "00:00:01");
    private readonly SifFiles sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        Assert.SkipWhen(TestBackends.OnPostgres, "the storm is about SQLite's single writer; PostgreSQL has row locks");
        return ValueTask.CompletedTask;
    }

    [Fact(Timeout = 180_000)]
    public async Task Sixty_four_anonymous_pullers_and_five_pushers_at_once_lose_no_push_and_no_pull_count()
    {
        // The timeout cancels this token; every worker stops at its next step.
        var ct = TestContext.Current.CancellationToken;
        var token = await server.CreateTokenAsync("storm");
        var stormed = await sifs.CreateAsync(2 << 20);
        await new LibraryProtocol(server.Client(token)).PushAsync("storm/load/stormed", stormed);
        var pushed = new List<(string Path, string Hash, long Size)>();
        for (var i = 0; i < Pushers * PushesEach; i++)
        {
            pushed.Add(await sifs.CreateAsync(1 << 20));
        }
        var pullFailures = new ConcurrentQueue<string>();
        var pushFailures = new ConcurrentQueue<string>();
        var pulls = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var pullers = Enumerable.Range(0, Pullers).Select(_ => Task.Run(async () =>
        {
            var anonymous = new LibraryProtocol(server.Client());
            await start.Task.WaitAsync(ct);
            for (var i = 0; i < PullsEach && !ct.IsCancellationRequested; i++)
            {
                try
                {
                    var hash = await anonymous.PullAsync("storm/load/stormed");
                    Interlocked.Increment(ref pulls);
                    if ("sha256." + hash != stormed.Hash)
                    {
                        pullFailures.Enqueue($"pulled sha256.{hash}, pushed {stormed.Hash}");
                    }
                }
                catch (Exception e)
                {
                    pullFailures.Enqueue(e.Message);
                }
            }
        }));
        var pushers = Enumerable.Range(0, Pushers).Select(p => Task.Run(async () =>
        {
            var library = new LibraryProtocol(server.Client(token));
            await start.Task.WaitAsync(ct);
            for (var i = 0; i < PushesEach && !ct.IsCancellationRequested; i++)
            {
                try
                {
                    await library.PushAsync($"storm/load/pushed-{p}-{i}", pushed[(p * PushesEach) + i]);
                }
                catch (Exception e)
                {
                    pushFailures.Enqueue(e.Message);
                }
            }
        }));
        var all = pullers.Concat(pushers).ToList();
        start.SetResult();
        await Task.WhenAll(all);
        ct.ThrowIfCancellationRequested();

        Assert.Empty(pushFailures);
        Assert.Empty(pullFailures);
        Assert.Equal(Pullers * PullsEach, pulls);
        await server.FlushPullCountsAsync();
        Assert.Equal(Pullers * PullsEach, await DownloadCountAsync("storm/load/stormed"));
        // Every push landed whole: each image pulls back byte for byte.
        var reader = new LibraryProtocol(server.Client(token));
        for (var i = 0; i < pushed.Count; i++)
        {
            Assert.Equal(pushed[i].Hash, "sha256." + await reader.PullAsync($"storm/load/pushed-{i / PushesEach}-{i % PushesEach}"));
        }
    }

    private async Task<long> DownloadCountAsync(string container) =>
        (long)(await LibraryProtocol.DataAsync(await server.Client().GetAsync($"v1/containers/{container}")))["downloadCount"]!;

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
