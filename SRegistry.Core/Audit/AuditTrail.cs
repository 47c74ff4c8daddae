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
    int Page = 0, int PageSize = 50);

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
        var action = Blank(query.Action);
        if (action is not null && !AuditActions.IsKnown(action))
        {
            return Problem.Invalid($"unknown action '{Naming.LibraryRef.Shorten(action)}'; use one of {string.Join(", ", AuditActions.All)}");
        }
        if (query.From is { } from && query.To is { } to && from >= to)
        {
            return Problem.Invalid("the time range ends before it starts");
        }
        var events = db.AuditEvents.AsNoTracking();
        if (Blank(query.User) is { } user)
        {
            events = events.Where(e => e.Username == user);
        }
        if (action is not null)
        {
            events = events.Where(e => e.Action == action);
        }
        if (query.From is { } since)
        {
            events = events.Where(e => e.At >= since);
        }
        if (query.To is { } until)
        {
            events = events.Where(e => e.At < until);
        }
        return new Outcome<IQueryable<Model.AuditEvent>>(events, Failure.None, "");
    }

    private static IQueryable<AuditEntry> Project(IQueryable<Model.AuditEvent> events) =>
        events.Select(e => new AuditEntry(e.Id, e.At, e.Username, e.UserId, e.Action, e.Target, e.Details, e.RemoteAddress));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
