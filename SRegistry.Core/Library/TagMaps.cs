using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>The protocol's two views of tags: per architecture, and the architecture-blind map of old clients.</summary>
public static class TagMaps
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ByArch(IEnumerable<Tag> tags) =>
        tags.GroupBy(t => t.Arch, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(t => t.Name, t => t.ImageId, StringComparer.Ordinal),
                StringComparer.Ordinal);

    /// <summary>One image per tag name: the default architecture's if it has the tag, else the most recently set.</summary>
    public static IReadOnlyDictionary<string, string> ArchBlind(IEnumerable<Tag> tags) =>
        tags.GroupBy(t => t.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Preferred(g).ImageId, StringComparer.Ordinal);

    public static Tag Preferred(IEnumerable<Tag> sameName) =>
        sameName.OrderByDescending(t => t.Arch == NameRules.DefaultArch).ThenByDescending(t => t.UpdatedAt).First();
}
