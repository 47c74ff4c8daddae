namespace SRegistry.Tests.Oci.Peers;

/// <summary>
/// One request of a peer sequence. <see cref="Path"/> and <see cref="Query"/> may hold placeholders that each target
/// resolves for itself (<see cref="PeerBlobs.Resolve"/>): <c>{name}</c>, <c>{other}</c>, blob and manifest digests,
/// and <c>{upload}</c>, the Location the target's last answer gave (absolute or relative, as it sent it).
/// </summary>
/// <param name="Status">What the OCI Distribution Specification 1.1 asks for; SRegistry must answer it.</param>
/// <param name="ReferenceStatus">What distribution 2.8 answers where it departs from the spec (listed in <see cref="AllowedDifferences"/>).</param>
/// <param name="Tags">For tag lists: the tags the spec's answer holds, in order.</param>
public sealed record PeerStep(string Label, string Method, string Path, int Status, string? Query = null, byte[]? Body = null,
    string? ContentType = null, string? Range = null, string? ContentRange = null, string? Accept = null,
    int? ReferenceStatus = null, string[]? Tags = null)
{
    public override string ToString() => $"{Label}: {Method} {Path}{(Query is null ? "" : "?" + Query)}";
}

/// <summary>A named list of steps sent in order to each registry, against its own repositories.</summary>
public sealed record PeerSequence(string Name, IReadOnlyList<PeerStep> Steps)
{
    /// <summary>The repository this sequence works in (three segments, as SRegistry requires), the same on both registries.</summary>
    public string Repository => $"alice/peer-{Name}/repo";

    /// <summary>A second repository, for cross-repository mounts.</summary>
    public string Other => $"alice/peer-{Name}/other";
}
