using System.ComponentModel.DataAnnotations;

namespace SRegistry.Core.Publishing;

/// <summary>
/// The <c>Registry:Publish</c> section: a shared folder (a cluster filesystem) that mirrors every public tag of the
/// collections that publish, so people can run images from it without pulling. Empty <see cref="Path"/>: off.
/// </summary>
public sealed class PublishOptions
{
    public const string Section = "Registry:Publish";

    /// <summary>The folder to mirror into; empty switches publishing off.</summary>
    public string Path { get; set; } = "";

    /// <summary>Where a tag lands under <see cref="Path"/>; placeholders {entity}, {collection}, {container}, {tag}, {arch}.</summary>
    [Required]
    public string Layout { get; set; } = PublishLayout.DefaultTemplate;

    /// <summary>The architecture published when the layout has no {arch}; tags of other architectures are skipped.</summary>
    [Required, RegularExpression("^[a-z0-9_]+\\z")]
    public string Arch { get; set; } = "amd64";

    /// <summary>Whether a collection whose owner made no choice publishes (the site's default; owners override it per collection).</summary>
    public bool PublishByDefault { get; set; } = true;

    /// <summary>Hard-link files from the blob store when it is on the same filesystem (else they are copied). False: always copy.</summary>
    public bool HardLinks { get; set; } = true;

    /// <summary>Unix mode of published files, octal; world-readable by default.</summary>
    [Required, RegularExpression("^0?[0-7]{3}\\z")]
    public string FileMode { get; set; } = "0644";

    /// <summary>Numeric owner and group given to published files; -1 leaves them as the registry's process makes them.</summary>
    [Range(-1, int.MaxValue)]
    public int OwnerUid { get; set; } = -1;

    [Range(-1, int.MaxValue)]
    public int OwnerGid { get; set; } = -1;

    /// <summary>How often the folder is checked against the registry even when nothing changed here (other replicas' writes, files removed by hand).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(Path);

    public string ResolvePath() => System.IO.Path.GetFullPath(Path);

    public UnixFileMode ResolveFileMode() => (UnixFileMode)Convert.ToInt32(FileMode, 8);
}
