using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Publishing;

/// <summary>
/// Puts one image at one path of the publish folder so that readers only ever see a whole file: the bytes go to a
/// temporary name in the same folder (a hard link to the blob when the filesystem allows, else a verified copy), get
/// their mode and owner, reach the disk, and are renamed over the old file. A reader that has the old file open keeps
/// reading the old bytes.
/// </summary>
public sealed partial class PublishedFileWriter(IBlobStore blobs, IOptions<PublishOptions> options)
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public string Root => options.Value.ResolvePath();

    public string FullPath(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The temporary name a write to <paramref name="relative"/> uses; fixed, so a crashed write's leftover is found again.</summary>
    public string TemporaryPath(string relative)
    {
        var full = FullPath(relative);
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".sregistry-partial");
    }

    /// <summary>Writes the temporary file; <see cref="CommitAsync"/> makes it visible. False when the blob is gone.</summary>
    public async Task<bool> StageAsync(WantedFile file, CancellationToken ct)
    {
        var hex = file.Hash["sha256.".Length..];
        var temp = TemporaryPath(file.Path);
        CreateFolders(Path.GetDirectoryName(temp)!);
        File.Delete(temp);
        var local = blobs.GetLocalPath(hex);
        if (!(options.Value.HardLinks && local is not null && HardLinks.TryCreate(local, temp)))
        {
            if (!await CopyVerifiedAsync(hex, local, temp, ct))
            {
                return false;
            }
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, options.Value.ResolveFileMode());
        }
        if ((options.Value.OwnerUid >= 0 || options.Value.OwnerGid >= 0) && Chown(temp, options.Value.OwnerUid, options.Value.OwnerGid) != 0)
        {
            throw new IOException($"cannot give {temp} owner {options.Value.OwnerUid}:{options.Value.OwnerGid} (errno {Marshal.GetLastPInvokeError()})");
        }
        return true;
    }

    /// <summary>The rename: atomic on one filesystem, so the path holds either the old file or the new one.</summary>
    public void Commit(WantedFile file) => File.Move(TemporaryPath(file.Path), FullPath(file.Path), overwrite: true);

    public void Discard(string relative) => File.Delete(TemporaryPath(relative));

    /// <summary>Removes a published file and the folders it leaves empty (never the publish folder itself).</summary>
    public void Remove(string relative)
    {
        var full = FullPath(relative);
        File.Delete(full);
        File.Delete(TemporaryPath(relative));
        for (var dir = Path.GetDirectoryName(full); dir is not null && dir.Length > Root.Length && dir.StartsWith(Root, StringComparison.Ordinal);
             dir = Path.GetDirectoryName(dir))
        {
            if (Directory.EnumerateFileSystemEntries(dir).Any())
            {
                break;
            }
            Directory.Delete(dir);
        }
    }

    /// <summary>Size of the file at the path, or null when there is none.</summary>
    public long? SizeAt(string relative)
    {
        var info = new FileInfo(FullPath(relative));
        return info.Exists ? info.Length : null;
    }

    private static void CreateFolders(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    /// <summary>Copies the blob to <paramref name="temp"/> while hashing it, and keeps the copy only if the hash is the image's.</summary>
    private async Task<bool> CopyVerifiedAsync(string hex, string? local, string temp, CancellationToken ct)
    {
        await using var source = local is not null ? File.OpenRead(local) : await OpenRemoteAsync(hex, ct);
        if (source is null)
        {
            return false;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            target.Flush(flushToDisk: true);
        }
        if (Convert.ToHexStringLower(hash.GetHashAndReset()) != hex)
        {
            File.Delete(temp);
            throw new IOException($"the stored bytes of sha256.{hex} do not match their hash; not published");
        }
        return true;
    }

    private async Task<Stream?> OpenRemoteAsync(string hex, CancellationToken ct) =>
        blobs is IBlobReader reader ? await reader.OpenReadAsync(hex, ct) : null;

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, int uid, int gid);
}
