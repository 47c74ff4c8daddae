using System.Text.RegularExpressions;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Import;

/// <summary>
/// The stated rule for sregistry names this registry does not accept: lower-case, every run of other characters
/// becomes one '-', separators at the ends go; a container name's '/' becomes '-'. Tags keep their case, other
/// characters become '-'. A name still invalid after that (empty, too long) is not imported and reported.
/// </summary>
public static partial class ImportNames
{
    public static string? Collection(string name) => Valid(Clean(name.ToLowerInvariant(), CollectionInvalid()), NameRules.IsCollectionName);

    public static string? User(string name) => Valid(Clean(name.ToLowerInvariant(), ContainerInvalid()), NameRules.IsEntityName);

    public static string? Container(string name) => Valid(Clean(name.ToLowerInvariant(), ContainerInvalid()), NameRules.IsContainerName);

    public static string? Tag(string tag) => Valid(TagInvalid().Replace(tag, "-").TrimStart('.', '-', '_'), NameRules.IsTag);

    private static string Clean(string name, Regex invalid) =>
        Separators().Replace(invalid.Replace(name, "-"), m => m.Value[..1]).Trim('-', '_', '.');

    private static string? Valid(string name, Func<string, bool> rule) => rule(name) ? name : null;

    [GeneratedRegex("[^a-z0-9_-]+")]
    private static partial Regex CollectionInvalid();

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex ContainerInvalid();

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex TagInvalid();

    [GeneratedRegex("[._-]{2,}")]
    private static partial Regex Separators();
}
