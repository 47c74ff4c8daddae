using System.Runtime.InteropServices;

namespace SRegistry.Core.Storage;

/// <summary>link(2), which .NET does not offer: a second name for a blob's bytes, without copying them.</summary>
public static partial class HardLinks
{
    private const int CrossDevice = 18, NotPermitted = 1;

    /// <summary>True when linked; false where links cannot be made (another filesystem, or one that forbids them), so the caller copies.</summary>
    public static bool TryCreate(string existing, string link)
    {
        if (Link(existing, link) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno is CrossDevice or NotPermitted ? false : throw new IOException($"cannot link {existing} to {link} (errno {errno})");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);
}
