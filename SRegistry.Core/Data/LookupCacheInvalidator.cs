using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SRegistry.Core.Library;

namespace SRegistry.Core.Data;

/// <summary>
/// Empties the <see cref="LookupCache"/> after every command that may have changed data, and again after every
/// commit (a reader that started between a write and its commit must not keep what it read). Watching commands,
/// not SaveChanges, also catches ExecuteUpdate and ExecuteDelete. Download counters are the one exception
/// (<see cref="LookupCache.CountersOnly"/>).
/// </summary>
public sealed class LookupCacheInvalidator(LookupCache cache) : DbCommandInterceptor, IDbTransactionInterceptor
{
    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        InvalidateAfter(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        InvalidateAfter(command);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        InvalidateAfter(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        InvalidateAfter(command);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => InvalidateAfterCommit();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        InvalidateAfterCommit();
        return Task.CompletedTask;
    }

    private void InvalidateAfterCommit()
    {
        // A transaction of counter increments (a pull) changes nothing a lookup answers.
        if (!LookupCache.IsCountingOnly)
        {
            cache.Invalidate();
        }
    }

    private void InvalidateAfter(DbCommand command)
    {
        if (!LookupCache.IsCountingOnly && MayWrite(command.CommandText))
        {
            cache.Invalidate();
        }
    }

    /// <summary>Anything but a plain query may write.</summary>
    internal static bool MayWrite(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        while (text.StartsWith("--"))
        {
            var end = text.IndexOf('\n');
            text = end < 0 ? [] : text[(end + 1)..].TrimStart();
        }
        return !(text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase));
    }
}
