using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Audit;

/// <summary>
/// Writes the audit trail. The one rule: an event is committed together with the change it records, never without
/// it. Services call <see cref="Record"/> just before the <c>SaveChanges</c> that makes their change; a change made
/// of bulk statements (<c>ExecuteUpdate</c>/<c>ExecuteDelete</c>) runs inside <see cref="ChangeAsync{T}"/>, which
/// puts the statements and the events in one transaction.
/// </summary>
public sealed class AuditLog(RegistryDbContext db, TimeProvider clock, AuditOrigin origin)
{
    /// <summary>Adds an event to the unit of work; the caller's next <c>SaveChanges</c> commits it with the change.</summary>
    /// <param name="actor">Who acted; null (or anonymous) for the server itself: command line, background jobs.</param>
    public void Record(Principal? actor, string action, string target, string? details = null) =>
        Record(actor?.UserId, actor?.Username, action, target, details);

    public void Record(string? userId, string? username, string action, string target, string? details = null)
    {
        if (!AuditActions.IsKnown(action))
        {
            throw new ArgumentException($"'{action}' is not one of AuditActions", nameof(action));
        }
        db.AuditEvents.Add(new AuditEvent
        {
            At = clock.GetUtcNow(),
            UserId = userId,
            Username = username,
            Action = action,
            Target = Shorten(target, AuditEvent.MaxTargetLength),
            Details = details is null ? null : Shorten(details, AuditEvent.MaxDetailsLength),
            RemoteAddress = origin.RemoteAddress is { } address ? Shorten(address, 64) : null,
        });
    }

    /// <summary>
    /// Runs a change and the events it records in one transaction: committed when the outcome succeeds, rolled back
    /// (statements and events alike) when it fails or throws.
    /// </summary>
    public async Task<Outcome<T>> ChangeAsync<T>(Func<Task<Outcome<T>>> change, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            // Part of a larger transaction: its owner commits or rolls back.
            return await RunAsync(change, ct);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var result = await RunAsync(change, ct);
        if (result.Succeeded)
        {
            await transaction.CommitAsync(ct);
        }
        return result;
    }

    private async Task<Outcome<T>> RunAsync<T>(Func<Task<Outcome<T>>> change, CancellationToken ct)
    {
        try
        {
            var result = await change();
            if (result.Succeeded)
            {
                await db.SaveChangesAsync(ct);
            }
            else
            {
                ForgetPending();
            }
            return result;
        }
        catch
        {
            ForgetPending();
            throw;
        }
    }

    /// <summary>Drops events not yet saved, so a failed change's events cannot ride along with a later save.</summary>
    public void ForgetPending()
    {
        foreach (var entry in db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
