using System.ComponentModel.DataAnnotations;

namespace SRegistry.Core.Storage;

public enum BlobStoreKind
{
    /// <summary><c>blobs/</c> in the data folder; image bytes pass through the app.</summary>
    Folder,

    /// <summary>An S3-compatible bucket; clients move image bytes to and from it directly through presigned URLs.</summary>
    S3,
}

/// <summary>The <c>BlobStore</c> section: where image bytes live.</summary>
public sealed class BlobStoreOptions
{
    public const string Section = "BlobStore";

    public BlobStoreKind Kind { get; set; } = BlobStoreKind.Folder;

    /// <summary>
    /// Folder store: fsync a blob before its rename into place and its folder after, so a published image survives a
    /// power cut. Off only to measure what it costs (bench/fsync-cost.sh).
    /// </summary>
    public bool FlushToDisk { get; set; } = true;

    public S3StoreOptions S3 { get; set; } = new();
}

/// <summary><c>BlobStore:S3</c>: the bucket, and how to reach it. Clients reach it too: presigned URLs name <see cref="ServiceUrl"/>.</summary>
public sealed class S3StoreOptions
{
    /// <summary>Endpoint of an S3-compatible service (radosgw, MinIO, …); empty means AWS itself, in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    [Required]
    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Empty: the AWS SDK's usual credential chain (environment, profile, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name: what most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Prepended to every key, so the registry can share a bucket: <c>&lt;prefix&gt;blobs/sha256/…</c>, <c>&lt;prefix&gt;uploads/…</c>.</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>Create the bucket at startup when it does not exist (handy for tests and first installs).</summary>
    public bool CreateBucket { get; set; }
}
