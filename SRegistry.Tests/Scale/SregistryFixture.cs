using System.Diagnostics;
using Npgsql;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Scale;

/// <summary>
/// The sregistry 2.1.2 fixture (shared/fixtures/sregistry) loaded into its own database on the test PostgreSQL
/// (<c>SREG_TEST_POSTGRES</c>) with psql, and its storage built by the fixture's <c>make-storage.sh</c> into a folder.
/// </summary>
public sealed class SregistryFixture : IAsyncDisposable
{
    private readonly string database = "sregfix_" + Guid.NewGuid().ToString("N")[..12];

    public static string? Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "fixtures", "sregistry"), Path.Combine(dir.FullName, "..", "shared", "fixtures", "sregistry") })
                {
                    if (File.Exists(Path.Combine(candidate, "seed.sql")))
                    {
                        return Path.GetFullPath(candidate);
                    }
                }
            }
            return Directory.Exists("/work/shared/fixtures/sregistry") ? "/work/shared/fixtures/sregistry" : null;
        }
    }

    public static bool Available => TestBackends.OnPostgres && Folder is not null && SifFiles.SiftoolAvailable && File.Exists("/usr/bin/psql");

    public string ConnectionString => $"{TestBackends.PostgresServer};Database={database}";

    public string Storage { get; } = Directory.CreateTempSubdirectory("sreg-fixture-").FullName;

    public async Task LoadAsync()
    {
        await using (var admin = new NpgsqlConnection($"{TestBackends.PostgresServer};Database=postgres"))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var fixture = Folder!;
        await PsqlAsync("-f", Path.Combine(fixture, "schema.sql"), "-f", Path.Combine(fixture, "seed.sql"));
        var (exit, output) = await RunAsync("bash", Path.Combine(fixture, "make-storage.sh"), Storage);
        // Another siftool makes other bytes: the fixture's own script then gives the rows the new hashes.
        if (output.Contains("MISMATCH", StringComparison.Ordinal))
        {
            await PsqlAsync("-f", Path.Combine(Storage, "seed-hashes.sql"));
        }
        else if (exit != 0)
        {
            throw new InvalidOperationException("make-storage.sh failed: " + output);
        }
    }

    /// <summary>One value from the fixture database, for expectations computed from the raw tables (as expected-counts.sql does).</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column of every row a query returns, as text.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    private async Task PsqlAsync(params string[] args)
    {
        var pg = new NpgsqlConnectionStringBuilder(ConnectionString);
        var (exit, output) = await RunWithAsync("psql", ["-v", "ON_ERROR_STOP=1", "-q", "-h", pg.Host!, "-p", pg.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", pg.Username!, "-d", database, .. args], ("PGPASSWORD", pg.Password ?? ""));
        if (exit != 0)
        {
            throw new InvalidOperationException("psql failed: " + output);
        }
    }

    private static Task<(int, string)> RunAsync(string file, params string[] args) => RunWithAsync(file, args);

    private static async Task<(int, string)> RunWithAsync(string file, string[] args, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection($"{TestBackends.PostgresServer};Database=postgres"))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            Directory.Delete(Storage, recursive: true);
        }
        catch (IOException)
        {
            // Temp folder: the OS cleans it.
        }
    }
}
