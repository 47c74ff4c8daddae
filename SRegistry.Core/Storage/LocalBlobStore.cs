using System.Runtime.CompilerServices;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Storage;

/// <summary>Blobs as files under <c>blobs/sha256/ab/&lt;hex&gt;</c> inside the data folder.</summary>
public sealed class LocalBlobStore(DataFolder folder, Microsoft.Extensions.Options.IOptions<BlobStoreOptions> options) : IBlobStore, IBlobReader
{
    public Task<Stream?> OpenReadAsync(string sha256Hex, CancellationToken ct = default)
    {
        var path = GetLocalPath(sha256Hex);
        return Task.FromResult<Stream?>(path is null ? null : File.OpenRead(path));
    }

    public Task<bool> ExistsAsync(string sha256Hex, CancellationToken ct = default) => Task.FromResult(File.Exists(PathOf(sha256Hex)));

    public Task<long?> GetSizeAsync(string sha256Hex, CancellationToken ct = default)
    {
        var file = new FileInfo(PathOf(sha256Hex));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public string? GetLocalPath(string sha256Hex)
    {
        var path = PathOf(sha256Hex);
        return File.Exists(path) ? path : null;
    }

    public Task PublishAsync(string verifiedFilePath, string sha256Hex, CancellationToken ct = default)
    {
        var target = PathOf(sha256Hex);
        var folderOfTarget = Path.GetDirectoryName(target)!;
        var newFolder = !Directory.Exists(folderOfTarget);
        Directory.CreateDirectory(folderOfTarget);
        // Same bytes already stored: nothing to do (content addressing makes the copies identical).
        if (File.Exists(target))
        {
            File.Delete(verifiedFilePath);
            return Task.CompletedTask;
        }
        var durable = options.Value.FlushToDisk;
        if (durable)
        {
            DiskFlush.File(verifiedFilePath);
        }
        // Uploads live in the same data folder, so this is a rename: atomic on one filesystem.
        File.Move(verifiedFilePath, target, overwrite: true);
        if (durable)
        {
            DiskFlush.Folder(folderOfTarget);
            if (newFolder)
            {
                DiskFlush.Folder(Path.GetDirectoryName(folderOfTarget)!);
            }
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string sha256Hex, CancellationToken ct = default)
    {
        var path = PathOf(sha256Hex);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<string> ListHashesAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask;
        var root = Path.Combine(folder.Blobs, "sha256");
        if (!Directory.Exists(root))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (NameRules.IsSha256Hex(name))
            {
                yield return name;
            }
        }
    }

    private string PathOf(string sha256Hex)
    {
        // The hex is the whole file name; refusing anything else keeps paths inside the store.
        if (!NameRules.IsSha256Hex(sha256Hex))
        {
            throw new ArgumentException("not a sha256 hex digest", nameof(sha256Hex));
        }
        return Path.Combine(folder.Blobs, "sha256", sha256Hex[..2], sha256Hex);
    }
}
