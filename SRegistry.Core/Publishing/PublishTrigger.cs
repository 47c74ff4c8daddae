using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Publishing;

/// <summary>
/// Pokes the publisher after every command that may have changed what it publishes (tags, images, containers,
/// collections, users), again when such a command's reader is let go, and after every commit, so it reads the state once it is visible. Watching commands catches
/// every way the code writes, ExecuteUpdate and ExecuteDelete included. Pull counters never poke.
/// </summary>
public sealed class PublishTrigger(PublishSignal signal) : DbCommandInterceptor, IDbTransactionInterceptor
{
    private static readonly string[] Watched = ["\"Tags\"", "\"Images\"", "\"Containers\"", "\"Collections\"", "\"Users\""];

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        After(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        After(command);
        return ValueTask.FromResult(result);
    }

    // SQLite runs an UPDATE … RETURNING while its reader is read, and outside a transaction commits it only when the
    // reader is let go: a round woken at ReaderExecuted can still read the old row, so poke again once the reader is done.
    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        After(command);
        return result;
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        After(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        After(command);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => AfterCommit();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        AfterCommit();
        return Task.CompletedTask;
    }

    private void AfterCommit()
    {
        if (!LookupCache.IsCountingOnly)
        {
            signal.Poke();
        }
    }

    private void After(DbCommand command)
    {
        if (!LookupCache.IsCountingOnly && LookupCacheInvalidator.MayWrite(command.CommandText)
            && Watched.Any(table => command.CommandText.Contains(table, StringComparison.Ordinal)))
        {
            signal.Poke();
        }
    }
}
