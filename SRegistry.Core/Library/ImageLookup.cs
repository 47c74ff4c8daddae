using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
public sealed record FoundImage(ImageView View, string? Entity, CollectionFacts Facts, IReadOnlySet<string> TeamNames);

/// <summary>
/// Resolves <c>ref:tag</c> and <c>ref:sha256.hex</c> the way pull and push look images up (docs/protocol/library.md#l7): the first call of
/// every pull. A singleton in front of <see cref="LookupCache"/>: a cached answer needs no database context at all, and
/// only a miss opens a scope for one.
/// </summary>
public sealed class ImageLookup(IServiceScopeFactory scopes, LookupCache cache, IOptions<RegistryOptions> options)
{
    /// <summary>The image a reference names with its container, collection and owner: one flat row, one index walk.</summary>
    private sealed record Row(Image Image, Container Container, Collection Collection, string OwnerName);

    private const int TeamRow = 0, TagRow = 1, ReaderRow = 2;

    /// <summary>The collection's assigned teams (ID and name), its readers (user ID) and the image's tag names, in one round trip.</summary>
    private sealed class Extra
    {
        public int Kind { get; init; }
        public required string Id { get; init; }
        public required string Name { get; init; }
    }

    private static readonly Func<RegistryDbContext, string, string, string, string, CancellationToken, Task<Row?>> ByTag =
        EF.CompileAsyncQuery((RegistryDbContext db, string collection, string container, string arch, string tag, CancellationToken ct) =>
            db.Tags.AsNoTracking()
                .Where(t => t.Container!.Collection!.Name == collection && t.Container.Name == container && t.Arch == arch && t.Name == tag)
                .Select(t => new Row(t.Image!, t.Container!, t.Container!.Collection!, t.Container.Collection!.Owner!.Username))
                .FirstOrDefault());

    // The hash names the bytes, so the architecture does not narrow it (docs/protocol/library.md#q4).
    private static readonly Func<RegistryDbContext, string, string, string, CancellationToken, Task<Row?>> ByHash =
        EF.CompileAsyncQuery((RegistryDbContext db, string collection, string container, string hash, CancellationToken ct) =>
            db.Images.AsNoTracking()
                .Where(i => i.Container!.Collection!.Name == collection && i.Container.Name == container && i.Hash == hash)
                .Select(i => new Row(i, i.Container!, i.Container!.Collection!, i.Container.Collection!.Owner!.Username))
                .FirstOrDefault());

    private static readonly Func<RegistryDbContext, string, string, IAsyncEnumerable<Extra>> Extras =
        EF.CompileAsyncQuery((RegistryDbContext db, string collectionId, string imageId) =>
            db.CollectionTeams.AsNoTracking().Where(ct => ct.CollectionId == collectionId).Select(ct => new Extra { Kind = TeamRow, Id = ct.TeamId, Name = ct.Team!.Name })
                .Concat(db.Tags.AsNoTracking().Where(t => t.ImageId == imageId).Select(t => new Extra { Kind = TagRow, Id = t.Name, Name = t.Name }))
                .Concat(db.CollectionReaders.AsNoTracking().Where(r => r.CollectionId == collectionId).Select(r => new Extra { Kind = ReaderRow, Id = r.UserId, Name = r.UserId })));


    public async Task<Outcome<ImageView>> ResolveAsync(Principal who, string? path, string? arch, CancellationToken ct = default)
    {
        var found = await cache.GetOrResolveAsync(new LookupCache.Key(path, arch), () => FindAsync(path, arch, ct));
        if (!found.Succeeded)
        {
            return new Outcome<ImageView>(null, found.Failure, found.Message);
        }
        var image = found.Value!;
        // Invisible is reported exactly like absent: same status, same message.
        return AccessPolicy.Can(who, CollectionAction.View, image.Facts) && CollectionAccess.EntityNames(image.Entity, who, image.View.OwnerName, image.TeamNames, image.Facts)
            ? image.View
            : Problem.NotFound(NotFound(LibraryRef.Parse(path, options.Value.DefaultCollection).Value!, arch));
    }

    private static string NotFound(LibraryRef reference, string? arch) =>
        $"image {reference}{(string.IsNullOrEmpty(arch) || reference.IsHash ? "" : $" ({arch})")} not found";

    private async Task<Outcome<FoundImage>> FindAsync(string? path, string? arch, CancellationToken ct)
    {
        var parsed = LibraryRef.Parse(path, options.Value.DefaultCollection);
        if (!parsed.Succeeded)
        {
            return Problem.Invalid(parsed.Error!);
        }
        var reference = parsed.Value!;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        arch = string.IsNullOrEmpty(arch) ? null : arch;
        if (arch is not null && !NameRules.IsArch(arch) && !reference.IsHash)
        {
            return Problem.Invalid($"unknown architecture '{LibraryRef.Shorten(arch)}'; use one of {string.Join(", ", NameRules.Architectures)}");
        }
        var notFound = NotFound(reference, arch);
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
        var teams = new Dictionary<string, string>(StringComparer.Ordinal);
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        var readers = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var extra in Extras(db, row.Collection.Id, row.Image.Id).WithCancellation(ct))
        {
            _ = extra.Kind switch
            {
                TagRow => tags.Add(extra.Name),
                ReaderRow => readers.Add(extra.Id),
                _ => teams.TryAdd(extra.Id, extra.Name),
            };
        }
        var facts = CollectionFacts.Of(row.Collection.OwnerId, row.Collection.IsPrivate, teams.Keys, readers);
        // An image known only by hash has no architecture yet, and so no tags either.
        var view = new ImageView(row.Image, row.Container, row.Collection, row.OwnerName, row.Image.Arch is null ? [] : [.. tags]);
        return new FoundImage(view, reference.Entity, facts, teams.Count == 0 ? CollectionFacts.None : teams.Values.ToHashSet(StringComparer.Ordinal));
    }
}
