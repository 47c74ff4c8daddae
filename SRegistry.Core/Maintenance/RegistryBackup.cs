using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Maintenance;

public sealed record BackupReport(int Images, int Blobs, long Bytes, int Linked, int Copied);

/// <summary>
/// <c>backup --to DIR</c> of a running single-node registry: the SQLite database through SQLite's online backup (a
/// consistent snapshot even while pushes commit; never a file copy of a live database) and every blob the snapshot
/// refers to, hard-linked when on the same filesystem, otherwise copied under a temporary name and renamed. Blobs are
/// immutable and named by content, so a link is a complete copy. The result is a data folder: start a registry on it.
/// </summary>
public sealed class RegistryBackup(RegistryDbContext db, DataFolder folder, IBlobStore blobs)
{
    public async Task<BackupReport> RunAsync(string target, CancellationToken ct = default)
    {
        if (!db.Database.IsSqlite() || blobs is not LocalBlobStore)
        {
            throw new InvalidOperationException("backup copies the embedded setup (SQLite + data folder); with PostgreSQL use pg_dump, with S3 the bucket's versioning or replication (docs/deploy.md)");
        }
        target = Path.GetFullPath(target);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new InvalidOperationException($"'{target}' is not empty; back up into a new folder");
        }
        Directory.CreateDirectory(target);
        var snapshot = Path.Combine(target, "registry.db");
        await using (var source = new SqliteConnection(db.Database.GetConnectionString()))
        await using (var copy = new SqliteConnection($"Data Source={snapshot};Pooling=False"))
        {
            await source.OpenAsync(ct);
            await copy.OpenAsync(ct);
            source.BackupDatabase(copy);
        }

        // Blobs only after the snapshot: every blob it refers to was published before it, so it is there unless an image
        // was deleted and garbage-collected in the meantime, which stops the backup rather than leave a hole.
        var referenced = await ReferencedAsync(snapshot, ct);
        int linked = 0, copied = 0;
        long bytes = 0;
        foreach (var (hex, size) in referenced)
        {
            var from = blobs.GetLocalPath(hex) ?? throw new InvalidOperationException(
                $"blob {hex} was removed while the backup ran (an image deleted and collected meanwhile); run the backup again");
            if (Place(from, Path.Combine(target, Path.GetRelativePath(folder.Root, from))))
            {
                linked++;
            }
            else
            {
                copied++;
            }
            bytes += size;
        }
        return new BackupReport(await ImageCountAsync(snapshot, ct), referenced.Count, bytes, linked, copied);
    }

    /// <summary>Hard link, or a copy under a temporary name then renamed: the backup never holds half a blob. True when linked.</summary>
    private static bool Place(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (HardLinks.TryCreate(from, to))
        {
            return true;
        }
        var partial = to + ".partial";
        File.Copy(from, partial, overwrite: true);
        DiskFlush.File(partial);
        File.Move(partial, to);
        return false;
    }

    private static async Task<List<(string Hex, long Size)>> ReferencedAsync(string snapshot, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={snapshot};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(ct);
        await using var query = connection.CreateCommand();
        query.CommandText = """SELECT DISTINCT "Hash", "Size" FROM "Images" WHERE "IsUploaded" """;
        var found = new List<(string, long)>();
        await using var rows = await query.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            found.Add((Library.ImageCatalog.HexOf(rows.GetString(0)), rows.GetInt64(1)));
        }
        return [.. found.DistinctBy(f => f.Item1)];
    }

    private static async Task<int> ImageCountAsync(string snapshot, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={snapshot};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(ct);
        await using var query = connection.CreateCommand();
        query.CommandText = """SELECT COUNT(*) FROM "Images" WHERE "IsUploaded" """;
        return Convert.ToInt32(await query.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
