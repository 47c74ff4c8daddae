namespace SRegistry.Core.Model;

/// <summary>One SIF file in a container, identified by its content hash. Its bytes live in the blob store under that hash.</summary>
public sealed class Image
{
    public string Id { get; set; } = Ids.New();
    public required string ContainerId { get; set; }
    public Container? Container { get; set; }
    /// <summary><c>sha256.</c> followed by 64 lower-case hex digits.</summary>
    public required string Hash { get; set; }
    public long Size { get; set; }
    /// <summary>Go architecture name; null until known from the SIF header or a tag call.</summary>
    public string? Arch { get; set; }
    public string Description { get; set; } = "";
    /// <summary>True only once the bytes are stored and verified against <see cref="Hash"/>.</summary>
    public bool IsUploaded { get; set; }
    public bool IsSigned { get; set; }
    /// <summary>Upper-case hex fingerprints of the signers, space separated.</summary>
    public string SignerFingerprints { get; set; } = "";
    public long DownloadCount { get; set; }
    public required string CreatedById { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
