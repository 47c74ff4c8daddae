using Npgsql;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// Which database and blob store the test servers run on. By default SQLite and the data folder; test.sh's second
/// pass sets <c>SREG_TEST_POSTGRES</c> (a connection string without a database) and <c>SREG_TEST_S3</c> (the
/// radosgw URL) to run the protocol and service tests on PostgreSQL and S3. Each server gets its own database and
/// bucket, dropped when it is disposed.
/// </summary>
public sealed class TestBackends : IAsyncDisposable
{
    public const string S3AccessKey = "TESTACCESSKEY";
    public const string S3SecretKey = "TESTSECRETKEY0123456789";

    public static string? PostgresServer => Variable("SREG_TEST_POSTGRES");

    public static string? S3Url => Variable("SREG_TEST_S3");

    public static bool OnPostgres => PostgresServer is not null;

    public static bool OnS3 => S3Url is not null;

    private readonly string name = "sreg_" + Guid.NewGuid().ToString("N")[..16];

    public string? DatabaseName => OnPostgres ? name : null;

    public string? Bucket => OnS3 ? name.Replace('_', '-') : null;

    /// <summary>The settings that point one server at its own database and bucket (none for the defaults).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings()
    {
        if (PostgresServer is { } pg)
        {
            yield return new("Database:Provider", "PostgreSql");
            yield return new("ConnectionStrings:Registry", $"{pg};Database={DatabaseName}");
        }
        if (S3Url is { } s3)
        {
            yield return new("BlobStore:Kind", "S3");
            yield return new("BlobStore:S3:ServiceUrl", s3);
            yield return new("BlobStore:S3:Bucket", Bucket);
            yield return new("BlobStore:S3:AccessKey", S3AccessKey);
            yield return new("BlobStore:S3:SecretKey", S3SecretKey);
            yield return new("BlobStore:S3:CreateBucket", "true");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (PostgresServer is { } pg)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection($"{pg};Database=postgres");
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            // FORCE may not end an autovacuum worker that just started on the new database (42501): it stops soon.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
                {
                    await Task.Delay(250);
                }
            }
        }
        if (S3Url is not null)
        {
            await S3Buckets.DeleteAsync(Bucket!);
        }
    }

    private static string? Variable(string name) => System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
