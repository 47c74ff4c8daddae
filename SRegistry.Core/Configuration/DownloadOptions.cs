namespace SRegistry.Core.Configuration;

/// <summary>Who serves image bytes on the folder store: the app itself, or nginx in front of it.</summary>
public enum DownloadOffload
{
    /// <summary>The app streams the blob file.</summary>
    None,

    /// <summary>The app authorises the download and answers <c>X-Accel-Redirect</c>; nginx serves the file (ranges, ETag).</summary>
    XAccelRedirect,
}

/// <summary><c>Registry:Downloads</c>.</summary>
public sealed class DownloadOptions
{
    public DownloadOffload Offload { get; set; } = DownloadOffload.None;

    /// <summary>The nginx <c>internal</c> location aliased to <c>&lt;DataPath&gt;/blobs/</c>; the blob's <c>sha256/ab/&lt;hex&gt;</c> is appended.</summary>
    public string InternalLocation { get; set; } = "/_blobfiles/";

    public bool HasValidLocation =>
        InternalLocation.StartsWith('/') && InternalLocation.EndsWith('/') && InternalLocation.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '.');
}
