using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Library;

public sealed class LookupCacheTests
{
    private readonly TestClock clock = new();
    private readonly LookupCache cache;
    private int resolved;

    public LookupCacheTests() => cache = new LookupCache(Options.Create(new RegistryOptions()), clock);

    private static readonly LookupCache.Key Key = new("col/tool:1.0", "amd64");

    private Task<Outcome<FoundImage>> LookUpAsync(Func<Task>? whileResolving = null) => cache.GetOrResolveAsync(Key, async () =>
    {
        resolved++;
        if (whileResolving is not null)
        {
            await whileResolving();
        }
        return Problem.NotFound("no such image");
    });

    [Fact]
    public async Task A_repeated_lookup_is_answered_from_memory_until_a_write_or_the_lifetime_ends()
    {
        await LookUpAsync();
        await LookUpAsync();
        Assert.Equal(1, resolved);

        cache.Invalidate();
        await LookUpAsync();
        Assert.Equal(2, resolved);

        clock.Advance(new RegistryOptions().LookupCacheLifetime);
        await LookUpAsync();
        Assert.Equal(3, resolved);
    }

    [Fact]
    public async Task An_answer_read_while_a_write_landed_is_not_kept()
    {
        await LookUpAsync(whileResolving: () => { cache.Invalidate(); return Task.CompletedTask; });
        await LookUpAsync();

        Assert.Equal(2, resolved);
    }

    [Fact]
    public async Task Past_its_capacity_the_cache_starts_over()
    {
        var small = new LookupCache(Options.Create(new RegistryOptions { LookupCacheEntries = 2 }), clock);
        Task<Outcome<FoundImage>> Resolve() { resolved++; return Task.FromResult<Outcome<FoundImage>>(Problem.NotFound("x")); }
        foreach (var reference in new[] { "a/b:1", "a/b:2", "a/b:3", "a/b:1" })
        {
            await small.GetOrResolveAsync(new LookupCache.Key(reference, null), Resolve);
        }
        await small.GetOrResolveAsync(new LookupCache.Key("a/b:1", null), Resolve);

        // The third answer found the cache full and emptied it, so the first was resolved again; then it stayed.
        Assert.Equal(4, resolved);
    }

    [Theory]
    [InlineData("SELECT \"c\".\"Id\" FROM \"Collections\"", false)]
    [InlineData("  select 1", false)]
    [InlineData("PRAGMA journal_mode=WAL;", false)]
    [InlineData("-- some tag\nSELECT 1", false)]
    [InlineData("INSERT INTO \"Images\" VALUES (1) RETURNING 1;", true)]
    [InlineData("UPDATE \"Collections\" AS \"c\" SET \"IsPrivate\" = 1", true)]
    [InlineData("DELETE FROM \"Images\" AS \"i\"", true)]
    [InlineData("-- a tag\nUPDATE \"Images\" SET x = 1", true)]
    public void Only_plain_queries_keep_the_cache(string sql, bool invalidates) =>
        Assert.Equal(invalidates, LookupCacheInvalidator.MayWrite(sql));
}

/// <summary>The cache seen from the protocol: changes show at once, pulls do not empty it.</summary>
public sealed class LookupCacheConsistencyTests : IAsyncLifetime
{
    // Pull counts are written only when a test flushes them, so no timer's write lands among the commands counted.
    private readonly RegistryServer server = new RegistryServer().With("Registry:PullCountFlushInterval", "01:00:00");
    private readonly SifFiles sifs = new();
    private LibraryProtocol owner = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        owner = new LibraryProtocol(server.Client(await server.CreateTokenAsync("olive")));
    }

    [Fact]
    public async Task Making_a_collection_private_hides_an_image_that_was_just_looked_up()
    {
        await owner.PushAsync("olive/soon-private/tool", await sifs.CreateAsync(1_000), tags: "1.0");
        var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("v1/images/olive/soon-private/tool:1.0?arch=amd64")).StatusCode);

        await server.MakeCollectionPrivateAsync("soon-private");

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("v1/images/olive/soon-private/tool:1.0?arch=amd64")).StatusCode);
    }

    [Fact]
    public async Task An_answer_cached_for_the_owner_of_a_private_collection_is_invisible_to_everyone_else()
    {
        await owner.PushAsync("olive/hidden/tool", await sifs.CreateAsync(1_000), tags: "1.0");
        await server.MakeCollectionPrivateAsync("hidden");
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("v1/images/olive/hidden/tool:1.0?arch=amd64")).StatusCode);
        var stranger = server.Client(await server.CreateTokenAsync("sam"));

        var anonymousAnswer = await server.Client().GetAsync("v1/images/olive/hidden/tool:1.0?arch=amd64");
        var strangerAnswer = await stranger.GetAsync("v1/images/olive/hidden/tool:1.0?arch=amd64");
        var neverExisted = await server.Client().GetAsync("v1/images/olive/nothing-here/tool:1.0?arch=amd64");

        Assert.Equal(HttpStatusCode.NotFound, anonymousAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerAnswer.StatusCode);
        // Word for word what an absent image gets, with only the name changed.
        Assert.Equal((await neverExisted.Content.ReadAsStringAsync()).Replace("nothing-here", "hidden", StringComparison.Ordinal),
            await anonymousAnswer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_public_answer_is_shared_by_every_caller_and_the_entity_is_still_checked_per_caller()
    {
        await owner.PushAsync("olive/shared/tool", await sifs.CreateAsync(1_000), tags: "1.0");
        var sam = server.Client(await server.CreateTokenAsync("sam"));
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("v1/images/shared/tool:1.0?arch=amd64")).StatusCode);

        var commands = 0;
        using (new CommandCounter(server, () => Interlocked.Increment(ref commands)))
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("v1/images/shared/tool:1.0?arch=amd64")).StatusCode);
        }
        Assert.Equal(0, commands);
        // The cached answer is olive's collection, but the entity in the path is checked for each caller: "olive/..."
        // names the owner for anyone; "sam/..." is sam's own name, which only means collections sam may push to;
        // "nobody/..." names no one.
        Assert.Equal(HttpStatusCode.OK, (await sam.GetAsync("v1/images/olive/shared/tool:1.0?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("v1/images/olive/shared/tool:1.0?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sam.GetAsync("v1/images/sam/shared/tool:1.0?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("v1/images/sam/shared/tool:1.0?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await sam.GetAsync("v1/images/nobody/shared/tool:1.0?arch=amd64")).StatusCode);
    }

    [Fact]
    public async Task A_moved_tag_answers_the_new_image_at_once_and_pulls_keep_the_cached_answer()
    {
        var first = await sifs.CreateAsync(1_000);
        var second = await sifs.CreateAsync(1_200);
        await owner.PushAsync("olive/moving/tool", first, tags: "stable");
        var anonymous = server.Client();
        var before = await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/images/olive/moving/tool:stable?arch=amd64"));
        Assert.Equal(first.Hash, (string)before["hash"]!);

        var commands = 0;
        using (var listener = new CommandCounter(server, () => Interlocked.Increment(ref commands)))
        {
            using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = anonymous.BaseAddress };
            Assert.Equal(HttpStatusCode.SeeOther, (await noRedirects.GetAsync("v1/imagefile/olive/moving/tool:stable?arch=amd64")).StatusCode);
            var afterPull = await anonymous.GetAsync("v1/images/olive/moving/tool:stable?arch=amd64");
            Assert.Equal(HttpStatusCode.OK, afterPull.StatusCode);
        }
        // The pull's lookup and the lookup after it came from memory, and the pull was counted in memory: nothing reached the database.
        Assert.Equal(0, commands);
        await server.FlushPullCountsAsync();
        Assert.Equal(1, (long)(await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/containers/olive/moving/tool")))["downloadCount"]!);

        await owner.PushAsync("olive/moving/tool", second, tags: "stable");
        var after = await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/images/olive/moving/tool:stable?arch=amd64"));
        Assert.Equal(second.Hash, (string)after["hash"]!);
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }

    /// <summary>Counts the commands EF Core runs against one server's database while it lives (other test classes run alongside).</summary>
    private sealed class CommandCounter : IDisposable, IObserver<System.Diagnostics.DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private readonly RegistryServer server;
        private readonly Action onCommand;
        private readonly List<IDisposable> subscriptions = [];

        public CommandCounter(RegistryServer server, Action onCommand)
        {
            this.server = server;
            this.onCommand = onCommand;
            subscriptions.Add(System.Diagnostics.DiagnosticListener.AllListeners.Subscribe(this));
        }

        public void OnNext(System.Diagnostics.DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.EntityFrameworkCore")
            {
                subscriptions.Add(listener.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is Microsoft.EntityFrameworkCore.Diagnostics.CommandExecutedEventData executed
                && IsThisServers(executed.Command.Connection))
            {
                onCommand();
            }
        }

        // SQLite names the server's own file; on PostgreSQL each server has its own database.
        private bool IsThisServers(System.Data.Common.DbConnection? connection) =>
            server.Backends.DatabaseName is { } database
                ? connection?.Database == database
                : connection?.DataSource?.StartsWith(server.DataPath, StringComparison.Ordinal) == true;

        public void OnCompleted() { }

        public void OnError(Exception error) { }

        public void Dispose() => subscriptions.ForEach(s => s.Dispose());
    }
}
