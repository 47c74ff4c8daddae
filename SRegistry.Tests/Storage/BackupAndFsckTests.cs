using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Storage;

/// <summary>
/// <c>backup --to DIR</c> against a running registry while pushes go on, restored by starting a registry on the copy;
/// <c>fsck [--rehash]</c> naming every disagreement between database and blob store.
/// </summary>
public sealed class BackupAndFsckTests : IDisposable
{
    private readonly SifFiles sifs = new();
    private readonly string scratch = Directory.CreateTempSubdirectory("sreg-backup-").FullName;

    public BackupAndFsckTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    [Fact]
    public async Task A_backup_taken_during_pushes_restores_into_a_registry_where_every_image_pulls_and_verifies()
    {
        await using var registry = new RegistryProcess();
        var token = await registry.CreateTokenAsync("bea");
        await registry.StartAsync();
        var library = new LibraryProtocol(registry.Client(token));
        var before = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sif = await sifs.CreateAsync(200_000 + i);
            await library.PushAsync($"bea/kept/img{i}", sif);
            before.Add(sif.Hash);
        }

        using var stop = new CancellationTokenSource();
        var pushedDuring = new ConcurrentBag<string>();
        var pushing = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var sif = await sifs.CreateAsync(300_000 + i);
                await library.PushAsync($"bea/during/img{i}", sif);
                pushedDuring.Add(sif.Hash);
            }
        });
        while (pushedDuring.IsEmpty)
        {
            await Task.Delay(50);
        }
        var backup = Path.Combine(scratch, "copy");
        // Only pushes finished before the backup started must be in it: pushes finishing while it runs may land either side
        // of its snapshot (a slow machine finishes several), so counting them at its end made this test flaky.
        var pushedBeforeBackup = pushedDuring.ToHashSet();
        var result = await registry.RunCommandAsync("backup", "--to", backup);
        await stop.CancelAsync();
        await pushing;
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("hard-linked", result.Output, StringComparison.Ordinal);

        await using var restored = new RegistryProcess(backup);
        await restored.StartAsync();
        var images = await ImagesInAsync(Path.Combine(backup, "registry.db"));
        Assert.Superset(before.Concat(pushedBeforeBackup).ToHashSet(), images.Select(i => i.Hash).ToHashSet());
        Assert.True(pushedBeforeBackup.Count > 0 && images.Count > before.Count, $"{images.Count} images in the copy");
        var pulls = new LibraryProtocol(restored.Client(token));
        foreach (var (reference, hash) in images)
        {
            Assert.Equal(hash, "sha256." + await pulls.PullAsync($"{reference}:{hash}"));
        }
        var fsck = await restored.RunCommandAsync("fsck", "--rehash");
        Assert.True(fsck.ExitCode == 0, fsck.Output + fsck.Error);
    }

    [Fact]
    public async Task Fsck_names_a_changed_byte_with_a_rehash_and_missing_and_orphaned_blobs_always()
    {
        await using var registry = new RegistryProcess();
        var token = await registry.CreateTokenAsync("fritz");
        await registry.StartAsync();
        var library = new LibraryProtocol(registry.Client(token));
        var changed = await sifs.CreateAsync(200_000);
        var intact = await sifs.CreateAsync(210_000);
        var lost = await sifs.CreateAsync(220_000);
        await library.PushAsync("fritz/checked/changed", changed);
        await library.PushAsync("fritz/checked/intact", intact);
        await library.PushAsync("fritz/checked/lost", lost);
        Assert.Equal(0, (await registry.RunCommandAsync("fsck", "--rehash")).ExitCode);

        await using (var blob = File.Open(BlobPath(registry, changed.Hash), FileMode.Open, FileAccess.ReadWrite))
        {
            blob.Position = 100_000;
            var value = blob.ReadByte();
            blob.Position = 100_000;
            blob.WriteByte((byte)(value ^ 0xff));
        }
        File.Delete(BlobPath(registry, lost.Hash));
        var stray = new string('a', 64);
        Directory.CreateDirectory(Path.Combine(registry.DataPath, "blobs", "sha256", "aa"));
        await File.WriteAllTextAsync(Path.Combine(registry.DataPath, "blobs", "sha256", "aa", stray), "nobody's");

        var quick = await registry.RunCommandAsync("fsck");
        Assert.Equal(1, quick.ExitCode);
        Assert.Contains($"missing sha256:{Hex(lost.Hash)}", quick.Output, StringComparison.Ordinal);
        Assert.Contains($"orphaned sha256:{stray}", quick.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Hex(changed.Hash), quick.Output, StringComparison.Ordinal);

        var rehashed = await registry.RunCommandAsync("fsck", "--rehash");
        Assert.Equal(1, rehashed.ExitCode);
        Assert.Contains($"corrupt sha256:{Hex(changed.Hash)}", rehashed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Hex(intact.Hash), rehashed.Output, StringComparison.Ordinal);
        Assert.Contains("fsck: 3 problem(s)", rehashed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_refuses_a_folder_that_is_not_empty_and_bad_arguments()
    {
        await using var registry = new RegistryProcess();
        var used = Path.Combine(scratch, "used");
        Directory.CreateDirectory(used);
        await File.WriteAllTextAsync(Path.Combine(used, "keep.txt"), "mine");

        var refused = await registry.RunCommandAsync("backup", "--to", used);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not empty", refused.Error, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(used, "keep.txt")));
        Assert.Equal(2, (await registry.RunCommandAsync("backup", used)).ExitCode);
        Assert.Equal(2, (await registry.RunCommandAsync("fsck", "--fast")).ExitCode);
    }

    private static string Hex(string hash) => hash["sha256.".Length..];

    private static string BlobPath(RegistryProcess registry, string hash) =>
        Path.Combine(registry.DataPath, "blobs", "sha256", Hex(hash)[..2], Hex(hash));

    private static async Task<List<(string Reference, string Hash)>> ImagesInAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT c."Name", t."Name", i."Hash" FROM "Images" i JOIN "Containers" t ON t."Id" = i."ContainerId"
            JOIN "Collections" c ON c."Id" = t."CollectionId" WHERE i."IsUploaded"
            """;
        var images = new List<(string, string)>();
        await using var rows = await query.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            images.Add(($"{rows.GetString(0)}/{rows.GetString(1)}", rows.GetString(2)));
        }
        return images;
    }

    public void Dispose()
    {
        sifs.Dispose();
        Directory.Delete(scratch, recursive: true);
    }
}
