using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>
/// What a reference names in the database, before anybody's rights are applied. It is the same for every caller,
/// so one cached answer serves them all; <see cref="ImageLookup"/> applies the access policy on every request.
/// </summary>
public sealed record FoundImage(ImageView View, string? Entity, CollectionFacts Facts, IReadOnlySet<string> TeamNames, string NotFoundMessage);

/// <summary>Resolves <c>ref:tag</c> and <c>ref:sha256.hex</c> the way pull and push look images up (spec L7): the first call of every pull.</summary>
public sealed class ImageLookup(RegistryDbContext db, LookupCache cache, IOptions<RegistryOptions> options)
{
    /// <summary>
    /// One row holding everything a lookup answers, so a lookup is one round trip (AsSingleQuery: the teams and the
    /// tags join into a handful of rows, cheaper than a second query).
    /// </summary>
    private sealed record Row(Image Image, Container Container, Collection Collection, string OwnerName,
        List<CollectionTeamRow> Teams, List<string> Tags);

    private sealed record CollectionTeamRow(string Id, string Name);

    private static readonly Func<RegistryDbContext, string, string, string, string, CancellationToken, Task<Row?>> ByTag =
        EF.CompileAsyncQuery((RegistryDbContext db, string collection, string container, string arch, string tag, CancellationToken ct) =>
            db.Tags.AsNoTracking()
                .Where(t => t.Container!.Collection!.Name == collection && t.Container.Name == container && t.Arch == arch && t.Name == tag)
                .AsSingleQuery()
                .Select(t => new Row(t.Image!, t.Container!, t.Container!.Collection!, t.Container.Collection!.Owner!.Username,
                    t.Container.Collection.Teams.Select(ct => new CollectionTeamRow(ct.TeamId, ct.Team!.Name)).ToList(),
                    db.Tags.Where(other => other.ImageId == t.ImageId).OrderBy(other => other.Name).Select(other => other.Name).ToList()))
                .FirstOrDefault());

    // The hash names the bytes, so the architecture does not narrow it (spec Q4).
    private static readonly Func<RegistryDbContext, string, string, string, CancellationToken, Task<Row?>> ByHash =
        EF.CompileAsyncQuery((RegistryDbContext db, string collection, string container, string hash, CancellationToken ct) =>
            db.Images.AsNoTracking()
                .Where(i => i.Container!.Collection!.Name == collection && i.Container.Name == container && i.Hash == hash)
                .AsSingleQuery()
                .Select(i => new Row(i, i.Container!, i.Container!.Collection!, i.Container.Collection!.Owner!.Username,
                    i.Container.Collection.Teams.Select(ct => new CollectionTeamRow(ct.TeamId, ct.Team!.Name)).ToList(),
                    db.Tags.Where(t => t.ImageId == i.Id).OrderBy(t => t.Name).Select(t => t.Name).ToList()))
                .FirstOrDefault());

    public async Task<Outcome<ImageView>> ResolveAsync(Principal who, string? path, string? arch, CancellationToken ct = default)
    {
        var found = await cache.GetOrResolveAsync(new LookupCache.Key(path, arch), () => FindAsync(path, arch, ct));
        if (!found.Succeeded)
        {
            return new Outcome<ImageView>(null, found.Failure, found.Message);
        }
        var image = found.Value!;
        // Invisible is reported exactly like absent: same status, same message.
        return AccessPolicy.Can(who, CollectionAction.View, image.Facts) && Namespaces.EntityNames(image.Entity, who, image.View.OwnerName, image.TeamNames)
            ? image.View
            : Problem.NotFound(image.NotFoundMessage);
    }

    private async Task<Outcome<FoundImage>> FindAsync(string? path, string? arch, CancellationToken ct)
    {
        var parsed = LibraryRef.Parse(path, options.Value.DefaultCollection);
        if (!parsed.Succeeded)
        {
            return Problem.Invalid(parsed.Error!);
        }
        var reference = parsed.Value!;
        arch = string.IsNullOrEmpty(arch) ? null : arch;
        if (arch is not null && !NameRules.IsArch(arch) && !reference.IsHash)
        {
            return Problem.Invalid($"unknown architecture '{LibraryRef.Shorten(arch)}'; use one of {string.Join(", ", NameRules.Architectures)}");
        }
        var notFound = $"image {reference}{(arch is null || reference.IsHash ? "" : $" ({arch})")} not found";
        if (!reference.IsHash && arch is null)
        {
            // No architecture given: of the tag's images, the preferred architecture wins.
            var candidates = await db.Tags.AsNoTracking()
                .Where(t => t.Container!.Collection!.Name == reference.Collection && t.Container.Name == reference.Container && t.Name == reference.Tag)
                .ToListAsync(ct);
            arch = candidates.Count == 0 ? null : TagMaps.Preferred(candidates).Arch;
        }
        var row = reference.IsHash
            ? await ByHash(db, reference.Collection, reference.Container, reference.Tag, ct)
            : arch is null ? null : await ByTag(db, reference.Collection, reference.Container, arch, reference.Tag, ct);
        if (row is null)
        {
            return Problem.NotFound(notFound);
        }
        var facts = new CollectionFacts(row.Collection.OwnerId, row.Collection.IsPrivate, row.Teams.Select(t => t.Id).ToHashSet(StringComparer.Ordinal));
        // An image known only by hash has no architecture yet, and so no tags either.
        var tags = row.Image.Arch is null ? [] : row.Tags;
        var view = new ImageView(row.Image, row.Container, row.Collection, row.OwnerName, tags);
        return new FoundImage(view, reference.Entity, facts, row.Teams.Select(t => t.Name).ToHashSet(StringComparer.Ordinal), notFound);
    }
}
