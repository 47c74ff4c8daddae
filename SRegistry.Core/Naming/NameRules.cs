using System.Text.RegularExpressions;

namespace SRegistry.Core.Naming;

/// <summary>The grammar of names, tags, hashes and architectures (docs/protocol/library.md#names).</summary>
public static partial class NameRules
{
    public const int MaxNameLength = 128;
    public const int MaxTagLength = 128;
    public const string DefaultTag = "latest";
    public const string DefaultArch = "amd64";
    public const string HashPrefix = "sha256.";

    public static readonly IReadOnlySet<string> Architectures = new HashSet<string>(StringComparer.Ordinal)
    {
        "386", "amd64", "arm", "arm64", "ppc64", "ppc64le", "mips", "mipsle", "mips64", "mips64le", "s390x", "riscv64",
    };

    /// <summary>Collections: lower-case letters and digits joined by single <c>-</c> or <c>_</c>; no <c>.</c> or <c>/</c>.</summary>
    public static bool IsCollectionName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && CollectionPattern().IsMatch(name);

    /// <summary>Containers, users and teams: the client's grammar, runs of <c>[a-z0-9]</c> joined by single <c>.</c>, <c>_</c> or <c>-</c>.</summary>
    public static bool IsContainerName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && ContainerPattern().IsMatch(name);

    public static bool IsEntityName(string? name) => IsContainerName(name);

    public static bool IsTag(string? tag) =>
        tag is { Length: > 0 and <= MaxTagLength } && TagPattern().IsMatch(tag) && !IsReservedTag(tag);

    /// <summary>Tags that start like a content reference are lookups, never names.</summary>
    public static bool IsReservedTag(string tag) =>
        tag.StartsWith(HashPrefix, StringComparison.Ordinal) || tag.StartsWith("sif.", StringComparison.Ordinal);

    public static bool IsImageHash(string? hash) => hash is not null && HashPattern().IsMatch(hash);

    public static bool IsSha256Hex(string? hex) => hex is not null && HexPattern().IsMatch(hex);

    public static bool IsArch(string? arch) => arch is not null && Architectures.Contains(arch);

    public static string CollectionNameRule =>
        "use lower-case letters and digits, joined by single '-' or '_' (no '/' or '.'), at most 128 characters";

    public static string ContainerNameRule =>
        "use lower-case letters and digits, joined by single '.', '-' or '_', at most 128 characters";

    public static string TagRule =>
        "a tag starts with a letter or digit and continues with letters, digits, '.', '_' or '-' (at most 128 characters; 'sha256.' and 'sif.' are reserved)";

    [GeneratedRegex("^[a-z0-9]+(?:[_-][a-z0-9]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CollectionPattern();

    [GeneratedRegex("^[a-z0-9]+(?:[._-][a-z0-9]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex("^sha256\\.[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HashPattern();

    [GeneratedRegex("^[0-9a-f]{64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex HexPattern();
}
