using Microsoft.Data.Sqlite;
using Npgsql;

namespace SRegistry.Core.Storage;

public enum StorageFault
{
    None,
    /// <summary>The database stayed locked by other writers past the command timeout: retrying later works.</summary>
    Busy,
    /// <summary>The disk (or quota) under the database or data folder is full: nothing was written.</summary>
    Full,
}

/// <summary>Tells faults of the machine (busy database, full disk) from bugs, so clients get an answer they can act on.</summary>
public static class StorageFaults
{
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteFull = 13, SqliteConstraint = 19;
    private const int NoSpace = 28, QuotaExceeded = 122, WindowsDiskFull = 112;

    // PostgreSQL's SQLSTATE codes for the same three situations.
    private static readonly string[] PostgresBusy = [PostgresErrorCodes.LockNotAvailable, PostgresErrorCodes.DeadlockDetected,
        PostgresErrorCodes.SerializationFailure, PostgresErrorCodes.TooManyConnections, PostgresErrorCodes.QueryCanceled];
    private static readonly string[] PostgresFull = [PostgresErrorCodes.DiskFull, PostgresErrorCodes.OutOfMemory];

    /// <summary>
    /// A unique index refused the row: a concurrent create won. Only this may be reported as "already exists";
    /// a busy or full database surfaces as the same <c>DbUpdateException</c> and must not be mistaken for it.
    /// </summary>
    public static bool IsUniqueViolation(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode == SqliteConstraint;
                case PostgresException postgres:
                    return postgres.SqlState == PostgresErrorCodes.UniqueViolation;
            }
        }
        return false;
    }

    public static StorageFault Classify(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked }:
                    return StorageFault.Busy;
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return StorageFault.Full;
                case PostgresException postgres when PostgresBusy.Contains(postgres.SqlState):
                    return StorageFault.Busy;
                case PostgresException postgres when PostgresFull.Contains(postgres.SqlState):
                    return StorageFault.Full;
                case IOException io when io.HResult is NoSpace or QuotaExceeded || (io.HResult & 0xFFFF) == WindowsDiskFull:
                    return StorageFault.Full;
            }
        }
        return StorageFault.None;
    }
}
