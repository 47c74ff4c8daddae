using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Access;

/// <summary>A collection the caller may see, with its owner loaded, the facts it was judged on and its assigned teams' names.</summary>
public sealed record VisibleCollection(Collection Collection, CollectionFacts Facts, IReadOnlySet<string> TeamNames);

/// <summary>A container the caller may see, with its collection and owner loaded, and the collection's facts.</summary>
public sealed record VisibleContainer(Container Container, Collection Collection, CollectionFacts Facts);

/// <summary>
/// The access gate: the one way a collection's access facts are loaded (owner, privacy, assigned teams, readers) and
/// judged by <see cref="AccessPolicy"/>. Services ask it "may this caller see / push / change this here" and get the
/// same answer and the same wording everywhere; anything the caller may not see is reported as absent. The only other
/// loader is <c>ImageLookup</c>'s cached pull path, which reads the same facts in its one round trip and builds them
/// with <see cref="CollectionFacts.Of"/>.
/// </summary>
public sealed class CollectionAccess(RegistryDbContext db)
{
    private sealed record FactsRow(string OwnerId, bool IsPrivate, List<string> TeamIds, List<string> ReaderIds);

    private sealed record CollectionRow(Collection Collection, User? Owner, List<TeamName> Teams, List<string> ReaderIds);

    private sealed record TeamName(string Id, string Name);

    // Compiled once: every pull by name, every push and every page asks one of these two.
    private static readonly Func<RegistryDbContext, string, CancellationToken, Task<FactsRow?>> FactsById =
        EF.CompileAsyncQuery((RegistryDbContext db, string id, CancellationToken ct) => db.Collections.AsNoTracking().Where(c => c.Id == id)
            .Select(c => new FactsRow(c.OwnerId, c.IsPrivate, c.Teams.Select(t => t.TeamId).ToList(), c.Readers.Select(r => r.UserId).ToList()))
            .FirstOrDefault());

    private static readonly Func<RegistryDbContext, string, CancellationToken, Task<CollectionRow?>> CollectionByName =
        EF.CompileAsyncQuery((RegistryDbContext db, string name, CancellationToken ct) => db.Collections.AsNoTracking().Where(c => c.Name == name)
            .Select(c => new CollectionRow(c, c.Owner, c.Teams.Select(t => new TeamName(t.TeamId, t.Team!.Name)).ToList(),
                c.Readers.Select(r => r.UserId).ToList())).FirstOrDefault());

    /// <summary>The facts of a collection already loaded; an unknown id gets facts nobody but an admin passes.</summary>
    public async Task<CollectionFacts> FactsAsync(Collection collection, CancellationToken ct = default)
    {
        var row = await FactsById(db, collection.Id, ct);
        return row is null
            ? CollectionFacts.Of(collection.OwnerId, isPrivate: true, [], [])
            : CollectionFacts.Of(row.OwnerId, row.IsPrivate, row.TeamIds, row.ReaderIds);
    }

    /// <summary>A collection by name, or null when it is absent or hidden from the caller (one round trip).</summary>
    public async Task<VisibleCollection?> FindVisibleAsync(Principal who, string? name, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 256)
        {
            return null;
        }
        var row = await CollectionByName(db, name, ct);
        if (row is null)
        {
            return null;
        }
        row.Collection.Owner = row.Owner;
        var facts = CollectionFacts.Of(row.Collection.OwnerId, row.Collection.IsPrivate, row.Teams.Select(t => t.Id), row.ReaderIds);
        return AccessPolicy.Can(who, CollectionAction.View, facts)
            ? new VisibleCollection(row.Collection, facts, row.Teams.Select(t => t.Name).ToHashSet(StringComparer.Ordinal))
            : null;
    }

    /// <summary>
    /// The collection a library reference names, if the caller may see it and the entity segment (when given) names its
    /// namespace (<see cref="EntityNames"/>). Anything else is reported as not found.
    /// </summary>
    public async Task<Collection?> FindReferencedAsync(Principal who, string? entity, string name, CancellationToken ct = default)
    {
        var found = await FindVisibleAsync(who, name, ct);
        return found is not null && EntityNames(entity, who, found.Collection.Owner!.Username, found.TeamNames, found.Facts) ? found.Collection : null;
    }

    /// <summary>A container by collection and container name, or null when it is absent or hidden from the caller.</summary>
    public async Task<VisibleContainer?> FindVisibleContainerAsync(Principal who, string? collection, string? container, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(collection) || string.IsNullOrEmpty(container) || collection.Length > 256 || container.Length > 256)
        {
            return null;
        }
        var found = await db.Containers.AsNoTracking().Include(c => c.Collection).ThenInclude(c => c!.Owner)
            .FirstOrDefaultAsync(c => c.Name == container && c.Collection!.Name == collection, ct);
        return await VisibleAsync(who, found, ct);
    }

    /// <summary>A container by id, or null when it is absent or hidden from the caller.</summary>
    public async Task<VisibleContainer?> FindVisibleContainerByIdAsync(Principal who, string? containerId, CancellationToken ct = default)
    {
        var found = string.IsNullOrEmpty(containerId)
            ? null
            : await db.Containers.AsNoTracking().Include(c => c.Collection).ThenInclude(c => c!.Owner).FirstOrDefaultAsync(c => c.Id == containerId, ct);
        return await VisibleAsync(who, found, ct);
    }

    private async Task<VisibleContainer?> VisibleAsync(Principal who, Container? container, CancellationToken ct)
    {
        if (container is null)
        {
            return null;
        }
        var facts = await FactsAsync(container.Collection!, ct);
        return AccessPolicy.Can(who, CollectionAction.View, facts) ? new VisibleContainer(container, container.Collection!, facts) : null;
    }

    /// <summary>
    /// Why a caller who can see the container may not push to it or delete or re-tag its images, or null when they may:
    /// no right in the collection, or the container is frozen.
    /// </summary>
    public static Problem? RefuseChange(Principal who, CollectionAction action, VisibleContainer found)
    {
        var collection = found.Collection.Name;
        if (!AccessPolicy.Can(who, action, found.Facts))
        {
            return Problem.Forbidden(action == CollectionAction.Push
                ? $"you may not push to collection '{collection}'"
                : $"you may not delete images in collection '{collection}'");
        }
        return AccessPolicy.CanChangeContainer(who, action, found.Facts, found.Container.IsReadOnly)
            ? null
            : Problem.Forbidden($"container '{collection}/{found.Container.Name}' is frozen; its owner can unfreeze it");
    }

    /// <summary>
    /// Whether the entity segment a caller typed names this collection's namespace: none given, the owner, a team
    /// assigned to it, or the caller themselves for a collection the caller may push to. <c>library://me/…</c> must
    /// never pull a stranger's collection of that name, so for anything else the caller's own name finds nothing.
    /// </summary>
    public static bool EntityNames(string? entity, Principal who, string ownerName, IEnumerable<string> assignedTeamNames, CollectionFacts facts) =>
        entity is null || entity == ownerName || assignedTeamNames.Contains(entity, StringComparer.Ordinal)
        || (entity == who.Username && AccessPolicy.Can(who, CollectionAction.Push, facts));
}
