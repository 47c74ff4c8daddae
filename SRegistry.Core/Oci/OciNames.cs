using System.Text.RegularExpressions;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Oci;

/// <summary>A repository name split into the library's three segments: <c>entity/collection/container</c>.</summary>
public sealed record RepositoryName(string Entity, string Collection, string Container)
{
    public override string ToString() => $"{Entity}/{Collection}/{Container}";
}

/// <summary>The OCI side's names: repositories (the library's namespace and rules), tags and digests.</summary>
public static partial class OciNames
{
    public const string Sha256Prefix = "sha256:";

    /// <summary>The three-segment repository name under the library's own rules, or null when it is not one.</summary>
    public static RepositoryName? ParseRepository(string? name)
    {
        var parts = (name ?? "").Split('/');
        return parts.Length == 3 && NameRules.IsEntityName(parts[0]) && NameRules.IsCollectionName(parts[1]) && NameRules.IsContainerName(parts[2])
            ? new RepositoryName(parts[0], parts[1], parts[2])
            : null;
    }

    public static string RepositoryRule =>
        $"a repository is entity/collection/container; collection: {NameRules.CollectionNameRule}; entity and container: {NameRules.ContainerNameRule}";

    /// <summary>The OCI tag grammar: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
    public static bool IsTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    public static bool IsDigest(string? reference) => reference is not null && reference.Contains(':', StringComparison.Ordinal);

    /// <summary>The bare hex of a <c>sha256:</c> digest, or null when it is not one (other algorithms are not stored).</summary>
    public static string? HexOf(string? digest) =>
        digest is not null && digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) && NameRules.IsSha256Hex(digest[Sha256Prefix.Length..])
            ? digest[Sha256Prefix.Length..]
            : null;

    public static string DigestOf(string hex) => Sha256Prefix + hex;

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
