namespace SRegistry.Core.Model;

/// <summary>
/// A blob that belongs to an OCI repository (a container): uploaded or mounted into it. The bytes live once in the
/// content-addressed store, however many repositories link them; the link is what makes them readable there, what
/// the quota counts and what keeps them from garbage collection.
/// </summary>
public sealed class OciBlobLink
{
    public required string ContainerId { get; set; }
    public Container? Container { get; set; }

    /// <summary>Bare lower-case SHA-256 hex, the store's own name for the bytes.</summary>
    public required string Hex { get; set; }
    public long Size { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A manifest or index pushed over OCI, kept byte for byte as the client sent it (its digest is of these bytes).
/// Manifests the registry derives from library images are not stored: they are computed (Core/Oci/SifProjection).
/// </summary>
public sealed class OciManifest
{
    public required string ContainerId { get; set; }
    public Container? Container { get; set; }
    public required string Hex { get; set; }
    public required string MediaType { get; set; }
    public required byte[] Content { get; set; }

    /// <summary>The manifest this one refers to (<c>subject</c>), for the referrers API; bare hex.</summary>
    public string? SubjectHex { get; set; }
    public string? ArtifactType { get; set; }

    /// <summary>JSON of the manifest's annotations, as the referrers API lists them; null without any.</summary>
    public string? AnnotationsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An OCI tag pointing at a stored manifest or index.</summary>
public sealed class OciTag
{
    public required string ContainerId { get; set; }
    public required string Name { get; set; }
    public required string ManifestHex { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An OCI blob upload in progress (POST … PATCH … PUT). Its bytes wait in the data folder.</summary>
public sealed class OciUpload
{
    public string Id { get; set; } = Ids.New();
    public required string ContainerId { get; set; }
    public required string UserId { get; set; }

    /// <summary>Bytes received so far; the next chunk must start here.</summary>
    public long Received { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
