using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Data;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Publishing;

/// <summary>One file the publish folder should hold: which image, and where.</summary>
public sealed record WantedFile(string Path, string Hash, long Size);

/// <summary>One tag's published place, as the container page shows it.</summary>
public sealed record PublishedTag(string Arch, string Tag, string FullPath);

/// <summary>
/// What the publish folder should hold right now, read from the database: every tag of an uploaded image in a public
/// collection that publishes (its own choice, else the site default), in the configured architecture unless the
/// layout names the architecture.
/// </summary>
public sealed class PublishPlan(RegistryDbContext db, IOptions<PublishOptions> options)
{
    private sealed record TagRow(string Entity, string Collection, string Container, string Tag, string Arch, string Hash, long Size);

    public PublishOptions Options => options.Value;

    public PublishLayout Layout => PublishLayout.TryParse(options.Value.Layout, out var problem)
        ?? throw new InvalidOperationException("Registry:Publish:Layout: " + problem);

    /// <summary>Path → file; a path two tags would share goes to the first by name (the layout without {arch} or {tag} could cause it).</summary>
    public async Task<IReadOnlyDictionary<string, WantedFile>> WantedAsync(CancellationToken ct = default)
    {
        var rows = await PublishedTags(db.Tags.AsNoTracking()).ToListAsync(ct);
        return Shape(rows);
    }

    /// <summary>Whether the image is still meant to be at that path: asked again just before a file becomes visible.</summary>
    public async Task<bool> StillWantedAsync(WantedFile file, CancellationToken ct = default)
    {
        var hash = file.Hash;
        var rows = await PublishedTags(db.Tags.AsNoTracking().Where(t => t.Image!.Hash == hash)).ToListAsync(ct);
        return Shape(rows).TryGetValue(file.Path, out var still) && still.Hash == file.Hash;
    }

    /// <summary>The published files of one container, for its page; empty when publishing is off or the collection does not publish.</summary>
    public async Task<IReadOnlyList<PublishedTag>> ForContainerAsync(string collection, string container, CancellationToken ct = default)
    {
        if (!options.Value.Enabled)
        {
            return [];
        }
        var rows = await PublishedTags(db.Tags.AsNoTracking().Where(t => t.Container!.Name == container && t.Container.Collection!.Name == collection))
            .ToListAsync(ct);
        var root = options.Value.ResolvePath();
        var layout = Layout;
        var paths = rows.Select(r => (Row: r, Path: layout.PathOf(r.Entity, r.Collection, r.Container, r.Tag, r.Arch))).ToList();
        var candidates = paths.Select(p => p.Path).ToList();
        // Only what is really in the folder: a file still being written, or for a moved tag, shows once it is there.
        var done = (await db.PublishedFiles.AsNoTracking().Where(f => candidates.Contains(f.Path) && f.IsComplete)
            .Select(f => new { f.Path, f.Hash }).ToListAsync(ct)).ToDictionary(f => f.Path, f => f.Hash, StringComparer.Ordinal);
        return [.. paths.Where(p => done.TryGetValue(p.Path, out var hash) && hash == p.Row.Hash)
            .Select(p => new PublishedTag(p.Row.Arch, p.Row.Tag, System.IO.Path.Combine(root, p.Path)))
            .OrderBy(t => t.Arch, StringComparer.Ordinal).ThenBy(t => t.Tag, StringComparer.Ordinal)];
    }

    private IQueryable<TagRow> PublishedTags(IQueryable<Model.Tag> tags)
    {
        var byDefault = options.Value.PublishByDefault;
        var arch = options.Value.Arch;
        var everyArch = Layout.HasArch;
        return tags
            .Where(t => t.Image!.IsUploaded && !t.Container!.Collection!.IsPrivate && (t.Container.Collection.Publish ?? byDefault))
            .Where(t => everyArch || t.Arch == arch)
            .Select(t => new TagRow(t.Container!.Collection!.Owner!.Username, t.Container.Collection.Name, t.Container.Name, t.Name, t.Arch,
                t.Image!.Hash, t.Image.Size));
    }

    private Dictionary<string, WantedFile> Shape(List<TagRow> rows)
    {
        var layout = Layout;
        var wanted = new Dictionary<string, WantedFile>(StringComparer.Ordinal);
        foreach (var r in rows.OrderBy(r => r.Collection, StringComparer.Ordinal).ThenBy(r => r.Container, StringComparer.Ordinal)
                     .ThenBy(r => r.Tag, StringComparer.Ordinal).ThenBy(r => r.Arch, StringComparer.Ordinal))
        {
            if (!NameRules.IsImageHash(r.Hash))
            {
                continue;
            }
            wanted.TryAdd(layout.PathOf(r.Entity, r.Collection, r.Container, r.Tag, r.Arch), new WantedFile(
                layout.PathOf(r.Entity, r.Collection, r.Container, r.Tag, r.Arch), r.Hash, r.Size));
        }
        return wanted;
    }
}
