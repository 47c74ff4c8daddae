using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Browsing;

/// <summary>One tag's annotations as the container page lists them.</summary>
public sealed record AnnotatedTag(string Arch, string Tag, IReadOnlyList<KeyValuePair<string, string>> Annotations);

/// <summary>The annotations on a container's tags, for whoever may see the container.</summary>
public sealed class TagAnnotations(RegistryDbContext db, CollectionAccess access)
{
    public async Task<Outcome<IReadOnlyList<AnnotatedTag>>> ForContainerAsync(Principal who, string? collection, string? container, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collection, ct);
        if (found is null || string.IsNullOrEmpty(container) || container.Length > 256)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        var collectionId = found.Collection.Id;
        var rows = await db.TagAnnotations.AsNoTracking()
            .Where(a => a.Tag!.Container!.CollectionId == collectionId && a.Tag.Container.Name == container)
            .Select(a => new { a.Arch, a.TagName, a.Key, a.Value })
            .ToListAsync(ct);
        return rows.GroupBy(r => (r.Arch, r.TagName))
            .OrderBy(g => g.Key.Arch, StringComparer.Ordinal).ThenBy(g => g.Key.TagName, StringComparer.Ordinal)
            .Select(g => new AnnotatedTag(g.Key.Arch, g.Key.TagName,
                [.. g.OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Value, StringComparer.Ordinal).Select(r => KeyValuePair.Create(r.Key, r.Value))]))
            .ToList();
    }
}
