using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// Everything a registry has stored, as one comparable text: every row of every table and every file under
/// <c>blobs/</c> and <c>uploads/</c> with its size and SHA-256. Equal fingerprints before and after a request mean
/// the request changed nothing. Token last-use times are left out: checking a token may touch them by design.
/// </summary>
public static class StoreFingerprint
{
    private static readonly HashSet<string> Volatile = new(StringComparer.Ordinal) { "ApiTokens.LastUsedAt" };

    public static async Task<string> TakeAsync(string dataPath)
    {
        var text = new StringBuilder();
        await using (var db = Open(dataPath))
        {
            foreach (var table in await TablesAsync(db))
            {
                text.Append("## ").Append(table).Append('\n');
                var rows = new List<string>();
                await using var command = db.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var row = new StringBuilder();
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (!Volatile.Contains(table + "." + reader.GetName(i)))
                        {
                            row.Append(reader.GetName(i)).Append('=').Append(Show(reader.GetValue(i))).Append(';');
                        }
                    }
                    rows.Add(row.ToString());
                }
                rows.Sort(StringComparer.Ordinal);
                foreach (var row in rows)
                {
                    text.Append(row).Append('\n');
                }
            }
        }
        foreach (var folder in new[] { "blobs", "uploads" })
        {
            var root = Path.Combine(dataPath, folder);
            text.Append("## ").Append(folder).Append('\n');
            if (!Directory.Exists(root))
            {
                continue;
            }
            foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                text.Append(Path.GetRelativePath(root, file)).Append(' ').Append(new FileInfo(file).Length).Append(' ')
                    .Append(await SifFiles.Sha256Async(file)).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// What must hold after any fault: SQLite's own integrity check passes, every image marked uploaded has its blob
    /// with the right size, and every blob's bytes hash to its name (nothing half-written sits in the store).
    /// Returns the problems found; empty means consistent.
    /// </summary>
    public static async Task<List<string>> ConsistencyProblemsAsync(string dataPath)
    {
        var problems = new List<string>();
        await using var db = Open(dataPath);
        await using (var check = db.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            var result = (string?)await check.ExecuteScalarAsync();
            if (result != "ok")
            {
                problems.Add("integrity_check: " + result);
            }
        }
        await using (var images = db.CreateCommand())
        {
            images.CommandText = "SELECT Id, Hash, Size FROM Images WHERE IsUploaded = 1";
            await using var reader = await images.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (id, hash, size) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
                var blob = BlobPath(dataPath, hash);
                if (!File.Exists(blob))
                {
                    problems.Add($"image {id} is marked uploaded but blob {hash} is missing");
                }
                else if (new FileInfo(blob).Length != size)
                {
                    problems.Add($"image {id} says {size} bytes, blob has {new FileInfo(blob).Length}");
                }
            }
        }
        var store = Path.Combine(dataPath, "blobs");
        if (Directory.Exists(store))
        {
            foreach (var file in Directory.GetFiles(store, "*", SearchOption.AllDirectories))
            {
                var actual = await SifFiles.Sha256Async(file);
                if (actual != Path.GetFileName(file))
                {
                    problems.Add($"blob {Path.GetFileName(file)} holds bytes hashing to {actual}");
                }
            }
        }
        return problems;
    }

    public static string BlobPath(string dataPath, string hash) =>
        Path.Combine(dataPath, "blobs", "sha256", hash[7..9], hash[7..]);

    private static SqliteConnection Open(string dataPath)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataPath, "registry.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private static async Task<List<string>> TablesAsync(SqliteConnection db)
    {
        var tables = new List<string>();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    private static string Show(object value) => value switch
    {
        DBNull => "null",
        byte[] bytes => Convert.ToHexStringLower(SHA256.HashData(bytes)),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
