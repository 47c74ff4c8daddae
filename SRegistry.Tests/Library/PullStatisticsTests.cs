using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Browsing;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Library;

/// <summary>Download counts per image and container, and the per-day series, after pulls spread over days; pulls leave the lookup cache alone.</summary>
public sealed class PullStatisticsTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();
    private LibraryProtocol library = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("paula")));
    }

    [Fact]
    public async Task Counts_and_the_daily_series_follow_the_pulls_day_by_day()
    {
        var stable = await sifs.CreateAsync(60_000);
        var beta = await sifs.CreateAsync(60_000);
        var stableId = await library.PushAsync("paula/stats/tool", stable, tags: "stable");
        var betaId = await library.PushAsync("paula/stats/tool", beta, tags: "beta");
        var anonymous = new LibraryProtocol(server.Client());
        var firstDay = Today;

        await library.PullAsync("paula/stats/tool:stable");
        await anonymous.PullAsync("paula/stats/tool:stable");
        await library.PullAsync("paula/stats/tool:beta");
        server.Clock.Advance(TimeSpan.FromDays(2));
        await anonymous.PullAsync("paula/stats/tool:stable");
        // A lookup (what search and push do) is not a pull.
        await LibraryProtocol.DataAsync(await anonymous.Http.GetAsync("v1/images/paula/stats/tool:beta?arch=amd64"));
        // Pulls are written in one batch after the fact, each still on the day it happened.
        await server.FlushPullCountsAsync();

        Assert.Equal(3, await DownloadsOfImageAsync(stableId));
        Assert.Equal(1, await DownloadsOfImageAsync(betaId));
        Assert.Equal(4, (long)(await LibraryProtocol.DataAsync(await anonymous.Http.GetAsync("v1/containers/paula/stats/tool")))["downloadCount"]!);
        var series = await SeriesAsync(days: 30);
        Assert.Equal(30, series.Days.Count);
        Assert.Equal(Today, series.Days[^1].Day);
        Assert.Equal(firstDay.AddDays(-27), series.Days[0].Day);
        Assert.Equal(4, series.Total);
        Assert.Equal(3, series.Days.Single(d => d.Day == firstDay).Pulls);
        Assert.Equal(0, series.Days.Single(d => d.Day == firstDay.AddDays(1)).Pulls);
        Assert.Equal(1, series.Days[^1].Pulls);
        Assert.Equal(3, series.Busiest);

        // A month later the first day has left the window; the totals have not.
        server.Clock.Advance(TimeSpan.FromDays(29));
        var later = await SeriesAsync(days: 30);
        Assert.Equal(1, later.Total);
        Assert.Equal(4, (long)(await LibraryProtocol.DataAsync(await anonymous.Http.GetAsync("v1/containers/paula/stats/tool")))["downloadCount"]!);
        server.Clock.Advance(-TimeSpan.FromDays(31));
    }

    [Fact]
    public async Task The_series_of_a_private_container_is_not_there_for_strangers_and_days_are_bounded()
    {
        await library.PushAsync("paula/hidden/tool", await sifs.CreateAsync(20_000));
        await server.MakeCollectionPrivateAsync("hidden");

        var forStranger = await server.InScopeAsync(sp => sp.GetRequiredService<PullHistory>().DailyAsync(Principal.Anonymous, "hidden", "tool"));
        var tooLong = await server.InScopeAsync(sp => sp.GetRequiredService<PullHistory>().DailyAsync(Principal.Anonymous, "hidden", "tool", days: 400));

        Assert.Equal(Failure.NotFound, forStranger.Failure);
        Assert.Equal(Failure.Invalid, tooLong.Failure);
    }

    [Fact]
    public async Task A_pull_is_counted_without_emptying_the_lookup_cache()
    {
        await library.PushAsync("paula/cached/tool", await sifs.CreateAsync(20_000));
        var anonymous = server.Client();
        Assert.Equal("", await DescriptionAsync(anonymous));

        // Changed behind the cache's back (as another replica would): a counters-only write does not empty it, so only
        // an emptied cache would show the change.
        await server.InScopeAsync(async sp =>
        {
            using var unseen = LookupCache.CountersOnly();
            return await sp.GetRequiredService<RegistryDbContext>().Database
                .ExecuteSqlRawAsync("UPDATE \"Images\" SET \"Description\" = 'changed elsewhere'");
        });
        await new LibraryProtocol(anonymous).PullAsync("paula/cached/tool:latest");
        await server.FlushPullCountsAsync();

        Assert.Equal("", await DescriptionAsync(anonymous));
        Assert.Equal(1, (long)(await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/containers/paula/cached/tool")))["downloadCount"]!);
        // Any other write through the app empties it at once.
        await library.SetTagAsync(await library.EnsureContainerAsync("paula", "cached", "tool"),
            (string)(await LibraryProtocol.DataAsync(await anonymous.GetAsync("v1/images/paula/cached/tool:latest?arch=amd64")))["id"]!, "again");
        Assert.Equal("changed elsewhere", await DescriptionAsync(anonymous));
    }

    private static async Task<string> DescriptionAsync(HttpClient client) =>
        (string)(await LibraryProtocol.DataAsync(await client.GetAsync("v1/images/paula/cached/tool:latest?arch=amd64")))["description"]!;

    private DateOnly Today => DateOnly.FromDateTime(server.Clock.GetUtcNow().UtcDateTime);

    private Task<long> DownloadsOfImageAsync(string imageId) => server.InScopeAsync(sp =>
        sp.GetRequiredService<RegistryDbContext>().Images.Where(i => i.Id == imageId).Select(i => i.DownloadCount).SingleAsync());

    private async Task<PullSeries> SeriesAsync(int days)
    {
        var found = await server.InScopeAsync(sp => sp.GetRequiredService<PullHistory>().DailyAsync(Principal.Anonymous, "stats", "tool", days));
        Assert.True(found.Succeeded, found.Message);
        return found.Value!;
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        sifs.Dispose();
    }
}
