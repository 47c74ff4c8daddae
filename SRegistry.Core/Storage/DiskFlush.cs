using System.Runtime.InteropServices;
using System.Text;

namespace SRegistry.Core.Storage;

/// <summary>
/// fsync for a file's bytes and for a folder's entries. A rename is atomic but not durable: after a power cut the
/// new name may point at bytes that never reached the disk, or the entry itself may be gone. So a blob is flushed
/// before its rename into place and its folder after.
/// </summary>
public static partial class DiskFlush
{
    public static void File(string path)
    {
        // Only a writable handle flushes to disk (FileStream.Flush(true) is fsync on Linux).
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>.NET cannot open a directory as a file, so this asks the C library directly (Unix only; a no-op elsewhere).</summary>
    public static void Folder(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        var fd = Open(Encoding.UTF8.GetBytes(path + "\0"), 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open folder '{path}' to flush it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"flushing folder '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte[] path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
