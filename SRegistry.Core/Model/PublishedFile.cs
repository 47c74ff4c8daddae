namespace SRegistry.Core.Model;

/// <summary>
/// A file the registry manages in the publish folder. The row is written before the file, so every file the
/// publisher ever put there is known and nothing else in the folder is ever touched.
/// </summary>
public sealed class PublishedFile
{
    /// <summary>Path under the publish folder, '/' separated.</summary>
    public required string Path { get; set; }
    /// <summary>The image hash (<c>sha256.…</c>) the file holds, or is about to hold while <see cref="IsComplete"/> is false.</summary>
    public required string Hash { get; set; }
    public long Size { get; set; }
    /// <summary>False from the moment the publisher decides to write until the file is renamed into place.</summary>
    public bool IsComplete { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
