using SRegistry.Core.Sif;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>
/// One upload's landed bytes as read back for verification: size and SHA-256, the SIF checks, and the publish that
/// makes exactly these bytes the blob. <see cref="ImagePublisher"/> works on it without knowing where the bytes are.
/// </summary>
public abstract class StagedBytes(long size, string sha256Hex) : IDisposable
{
    public long Size { get; } = size;

    public string Sha256Hex { get; } = sha256Hex;

    /// <summary>The SIF header and descriptor table.</summary>
    public abstract SifInfo Inspect();

    /// <summary>What is inside the image (definition, labels, partitions, signatures), or why it cannot be read.</summary>
    public abstract (SifContents? Contents, string? Error) ReadContents();

    /// <summary>
    /// Makes the verified bytes the blob named by <see cref="Sha256Hex"/>. Throws <see cref="StagedObjectChangedException"/>
    /// when the bytes changed since they were read back.
    /// </summary>
    public abstract Task PublishAsync(CancellationToken ct);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
