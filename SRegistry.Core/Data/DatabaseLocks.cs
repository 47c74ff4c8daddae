using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace SRegistry.Core.Data;

/// <summary>
/// Named locks that hold across every replica sharing the database. On PostgreSQL they are session advisory locks
/// on a connection of their own, so a replica that dies releases its locks with its connection. SQLite means one
/// process, where an in-process lock is the whole truth.
/// </summary>
public sealed class DatabaseLocks(DatabaseProvider provider, string? connectionString)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> local = new(StringComparer.Ordinal);

    /// <summary>The lock if nobody holds it, else null at once: for jobs that only one replica should run.</summary>
    public Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken ct = default) => AcquireCoreAsync(name, wait: false, ct);

    /// <summary>Waits for the lock: for short critical sections that every replica must serialise.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(string name, CancellationToken ct = default) =>
        (await AcquireCoreAsync(name, wait: true, ct))!;

    private async Task<IAsyncDisposable?> AcquireCoreAsync(string name, bool wait, CancellationToken ct)
    {
        // In-process first: replicas are processes, and threads of one process need not each hold a connection.
        var gate = local.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        if (wait)
        {
            await gate.WaitAsync(ct);
        }
        else if (!await gate.WaitAsync(0, ct))
        {
            return null;
        }
        if (provider != DatabaseProvider.PostgreSql)
        {
            return new Held(gate, null, 0);
        }
        NpgsqlConnection? connection = null;
        try
        {
            connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            var key = KeyOf(name);
            await using var command = new NpgsqlCommand(wait ? "SELECT pg_advisory_lock(@key), true" : "SELECT true, pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (!reader.GetBoolean(1))
            {
                await reader.DisposeAsync();
                await connection.DisposeAsync();
                gate.Release();
                return null;
            }
            return new Held(gate, connection, key);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            gate.Release();
            throw;
        }
    }

    /// <summary>Advisory locks are numbered: a stable 64-bit number from the name.</summary>
    internal static long KeyOf(string name) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("sregistry:" + name)), 0);

    private sealed class Held(SemaphoreSlim gate, NpgsqlConnection? connection, long key) : IAsyncDisposable
    {
        private int released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) != 0)
            {
                return;
            }
            try
            {
                if (connection is not null)
                {
                    try
                    {
                        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                        command.Parameters.AddWithValue("key", key);
                        await command.ExecuteScalarAsync();
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                    {
                        // A broken connection has released the lock already: PostgreSQL drops a dead session's locks.
                    }
                    await connection.DisposeAsync();
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
