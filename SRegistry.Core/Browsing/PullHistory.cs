using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Browsing;

/// <summary>Pulls of one container on one UTC day.</summary>
public sealed record DailyPulls(DateOnly Day, long Pulls);

/// <summary>A container's pulls per day for the last <see cref="Days"/> days, oldest first, with the days without pulls as zeros.</summary>
public sealed record PullSeries(IReadOnlyList<DailyPulls> Days, long Total)
{
    public long Busiest => Days.Count == 0 ? 0 : Days.Max(d => d.Pulls);
}

/// <summary>The per-day pull counts behind the container page's chart (written by <see cref="Statistics.PullCounter"/>).</summary>
public sealed class PullHistory(RegistryDbContext db, CollectionAccess access, TimeProvider clock)
{
    public const int MaxDays = 366;

    public async Task<Outcome<PullSeries>> DailyAsync(Principal who, string? collection, string? container, int days = 30,
        CancellationToken ct = default)
    {
        if (days is < 1 or > MaxDays)
        {
            return Problem.Invalid($"days must be between 1 and {MaxDays}");
        }
        var visible = await access.FindVisibleContainerAsync(who, collection, container, ct);
        if (visible is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        var found = visible.Container;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var counted = await db.ContainerPullDays.AsNoTracking()
            .Where(d => d.ContainerId == found.Id && d.Day >= first && d.Day <= today)
            .ToDictionaryAsync(d => d.Day, d => d.Pulls, ct);
        var series = Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(day => new DailyPulls(day, counted.GetValueOrDefault(day))).ToList();
        return new PullSeries(series, series.Sum(d => d.Pulls));
    }
}
