using System.Globalization;
using System.Text.RegularExpressions;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Statistics;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

public sealed partial class PullsChartTests : DashboardTest
{
    [Fact]
    public async Task Bars_show_each_days_pulls_oldest_first_with_a_summary()
    {
        await Seed.CollectionAsync("alice", "charts");
        var imageId = await Seed.ImageAsync("alice", "charts", "tool", "amd64", 1000, "latest");
        await CountPullsAsync(imageId, 2);
        Clock.Advance(TimeSpan.FromDays(3));
        await CountPullsAsync(imageId, 1);

        var cut = Render<PullsChart>(p => p.Add(c => c.Collection, "charts").Add(c => c.Container, "tool"));

        cut.WaitForAssertion(() => Assert.Equal("3 pulls in 30 days; the busiest day had 2.", cut.Find("[data-testid=pulls-summary]").TextContent.Trim()));
        var heights = BarHeights(cut.Markup);
        Assert.Equal(30, heights.Count);
        Assert.Equal(heights[26], 2 * heights[29], precision: 3);
        Assert.True(heights[26] > 0);
        Assert.All(heights.Where((_, day) => day is not (26 or 29)), h => Assert.Equal(0, h));
        // The newest day is labelled, so the axis reads from today backwards.
        var today = DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime).ToString("MMM d", CultureInfo.InvariantCulture);
        Assert.Contains($">{today}</text>", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_nobody_pulled_says_so_instead_of_drawing_an_empty_chart()
    {
        await Seed.CollectionAsync("alice", "quiet");
        await Seed.ImageAsync("alice", "quiet", "tool", "amd64", 1000, "latest");

        var cut = Render<PullsChart>(p => p.Add(c => c.Collection, "quiet").Add(c => c.Container, "tool"));

        cut.WaitForAssertion(() => Assert.Equal("No pulls in the last 30 days.", cut.Find("[data-testid=pulls-empty]").TextContent.Trim()));
        Assert.Empty(BarHeights(cut.Markup));
    }

    [Fact]
    public async Task A_private_container_shows_strangers_no_figures()
    {
        await Seed.CollectionAsync("alice", "closed", isPrivate: true);
        var imageId = await Seed.ImageAsync("alice", "closed", "tool", "amd64", 1000, "latest");
        await CountPullsAsync(imageId, 1);
        await SignInAsync("mallory");

        var cut = Render<PullsChart>(p => p.Add(c => c.Collection, "closed").Add(c => c.Container, "tool"));

        cut.WaitForAssertion(() => Assert.Contains("not found", cut.Find("[data-testid=pulls-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(BarHeights(cut.Markup));
    }

    private Task<bool> CountPullsAsync(string imageId, int pulls) => InScopeAsync(async sp =>
    {
        var image = await sp.GetRequiredService<RegistryDbContext>().Images.AsNoTracking().SingleAsync(i => i.Id == imageId);
        var counter = sp.GetRequiredService<PullCounter>();
        for (var i = 0; i < pulls; i++)
        {
            counter.Record(image);
        }
        await counter.FlushAsync();
        return true;
    });

    /// <summary>The bars MudBlazor draws, in order: each a vertical path from the axis (y = 320) up to its value.</summary>
    private static List<double> BarHeights(string markup) => BarPath().Matches(markup)
        .Select(m => double.Parse(m.Groups["base"].Value, CultureInfo.InvariantCulture) - double.Parse(m.Groups["top"].Value, CultureInfo.InvariantCulture))
        .ToList();

    [GeneratedRegex("""class="mud-chart-bar"[^>]*\bd="M [\d.]+ (?<base>[\d.]+) L [\d.]+ (?<top>[\d.]+)""")]
    private static partial Regex BarPath();
}
