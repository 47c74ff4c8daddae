using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Browsing;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Audit;

/// <summary>Which events to show or export; every filter is optional. <see cref="To"/> is exclusive.</summary>
public sealed record AuditQuery(string? User = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    int Page = 0, int PageSize = 50)
{
    /// <summary>What is wrong with the filters, or null when they can be used.</summary>
    public string? Problem()
    {
        var action = Action?.Trim();
        if (!string.IsNullOrEmpty(action) && !AuditActions.IsKnown(action))
        {
            return $"unknown action '{Naming.LibraryRef.Shorten(action)}'; use one of {string.Join(", ", AuditActions.All)}";
        }
        return From is { } from && To is { } to && from >= to ? "the time range ends before it starts" : null;
    }

    /// <summary>
    /// A time as typed in the admin area, on the command line or in a query string: ISO 8601 (<c>2026-12-01</c>,
    /// <c>2026-12-01T10:00Z</c>); without an offset it is UTC. Empty is no limit. With <paramref name="endOfDay"/> (the
    /// exclusive upper bound) a bare date means the end of that day, so <c>--to 2026-12-01</c> includes all of it.
    /// </summary>
    public static bool TryParseTime(string? text, out DateTimeOffset? time, bool endOfDay = false)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (text.Length > 64 || !DateTimeOffset.TryParse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }
        var dateOnly = text.Trim().Length == "yyyy-MM-dd".Length;
        time = parsed.ToUniversalTime() + (endOfDay && dateOnly ? TimeSpan.FromDays(1) : TimeSpan.Zero);
        return true;
    }
}

/// <summary>One event as admins read and export it; <see cref="User"/> is null for the server's own doing.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string? User, string? UserId, string Action, string Target, string? Details,
    string? RemoteAddress);

/// <summary>
/// Reading the audit trail: the admin area's filtered, paged list and the JSON-lines export. To anyone but an admin it
/// does not exist (not found); the server's own command line reads it through <see cref="ExportForServerAsync"/>.
/// </summary>
public sealed class AuditTrail(RegistryDbContext db)
{
    public const int MaxPageSize = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Outcome<Paged<AuditEntry>>> BrowseAsync(Principal who, AuditQuery query, CancellationToken ct = default)
    {
        var events = Filter(who, query);
        if (!events.Succeeded)
        {
            return new Problem(events.Failure, events.Message);
        }
        var total = await events.Value!.CountAsync(ct);
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var items = await Project(events.Value!.OrderByDescending(e => e.Id).Skip(Math.Max(query.Page, 0) * size).Take(size)).ToListAsync(ct);
        return new Paged<AuditEntry>(items, total);
    }

    /// <summary>Writes the matching events, oldest first, as JSON lines (one object per line, UTF-8).</summary>
    public async Task<Outcome<int>> ExportAsync(Principal who, AuditQuery query, Stream output, CancellationToken ct = default)
    {
        var events = Filter(who, query);
        return events.Succeeded ? await WriteAsync(events.Value!, output, ct) : new Problem(events.Failure, events.Message);
    }

    /// <summary>For the server's command line, whose user holds the database anyway.</summary>
    public async Task<Outcome<int>> ExportForServerAsync(AuditQuery query, Stream output, CancellationToken ct = default)
    {
        var events = Filter(null, query);
        return events.Succeeded ? await WriteAsync(events.Value!, output, ct) : new Problem(events.Failure, events.Message);
    }

    /// <summary>One line of the export.</summary>
    public static string ToJsonLine(AuditEntry entry) => JsonSerializer.Serialize(entry, Json);

    private static async Task<int> WriteAsync(IQueryable<Model.AuditEvent> events, Stream output, CancellationToken ct)
    {
        var count = 0;
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        await foreach (var entry in Project(events.OrderBy(e => e.Id)).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteLineAsync(ToJsonLine(entry).AsMemory(), ct);
            count++;
        }
        await writer.FlushAsync(ct);
        return count;
    }

    // who == null: the server itself.
    private Outcome<IQueryable<Model.AuditEvent>> Filter(Principal? who, AuditQuery query)
    {
        if (who is not null && !AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        if (query.Problem() is { } problem)
        {
            return Problem.Invalid(problem);
        }
        var action = Blank(query.Action);
        var events = db.AuditEvents.AsNoTracking();
        if (Blank(query.User) is { } user)
        {
            events = events.Where(e => e.Username == user);
        }
        if (action is not null)
        {
            events = events.Where(e => e.Action == action);
        }
        // Stored times are UTC; on SQLite they compare as ticks, so the bounds must be UTC too.
        if (query.From?.ToUniversalTime() is { } since)
        {
            events = events.Where(e => e.At >= since);
        }
        if (query.To?.ToUniversalTime() is { } until)
        {
            events = events.Where(e => e.At < until);
        }
        return new Outcome<IQueryable<Model.AuditEvent>>(events, Failure.None, "");
    }

    private static IQueryable<AuditEntry> Project(IQueryable<Model.AuditEvent> events) =>
        events.Select(e => new AuditEntry(e.Id, e.At, e.Username, e.UserId, e.Action, e.Target, e.Details, e.RemoteAddress));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
