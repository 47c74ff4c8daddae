using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Oci;

/// <summary>An OCI repository the caller may use: the library container it is, with its collection's access facts.</summary>
public sealed record OciRepository(RepositoryName Name, Container Container, Collection Collection, CollectionFacts Facts)
{
    public VisibleContainer AsVisible => new(Container, Collection, Facts);
}

/// <summary>
/// Finds the library container an OCI repository name means, through the one access gate. Hidden and absent are the
/// same answer: an anonymous caller is asked to log in (it may be private), a signed-in one is told it is unknown.
/// A push creates the collection and container the way a library push does.
/// </summary>
public sealed class OciRepositories(RegistryDbContext db, CollectionAccess access, LibraryEntities entities, LibraryCollections collections,
    LibraryContainers containers)
{
    public async Task<OciOutcome<OciRepository>> FindForReadAsync(Principal who, string? name, CancellationToken ct = default)
    {
        if (OciNames.ParseRepository(name) is not { } parsed)
        {
            return new OciRefusal(OciCode.NameInvalid, $"invalid repository name: {OciNames.RepositoryRule}");
        }
        return await FindAsync(who, parsed, ct) is { } found ? found : Unknown(who, parsed);
    }

    /// <summary>A repository the caller may push to (or delete from): created on a first push when the caller may create it.</summary>
    public async Task<OciOutcome<OciRepository>> FindForChangeAsync(Principal who, string? name, CollectionAction action, CancellationToken ct = default)
    {
        if (OciNames.ParseRepository(name) is not { } parsed)
        {
            return new OciRefusal(OciCode.NameInvalid, $"invalid repository name: {OciNames.RepositoryRule}");
        }
        if (!who.IsAuthenticated)
        {
            return new OciRefusal(OciCode.Unauthorized, "authentication required");
        }
        var found = await FindAsync(who, parsed, ct);
        if (found is null && action == CollectionAction.Push)
        {
            return await CreateAsync(who, parsed, ct);
        }
        if (found is null)
        {
            return Unknown(who, parsed);
        }
        return CollectionAccess.RefuseChange(who, action, found.AsVisible) is { } refused
            ? new OciRefusal(OciCode.Denied, refused.Message)
            : found;
    }

    private static OciRefusal Unknown(Principal who, RepositoryName name) => who.IsAuthenticated
        ? new OciRefusal(OciCode.NameUnknown, $"repository '{name}' not found")
        : new OciRefusal(OciCode.Unauthorized, "authentication required");

    private async Task<OciRepository?> FindAsync(Principal who, RepositoryName name, CancellationToken ct)
    {
        var collection = await access.FindVisibleAsync(who, name.Collection, ct);
        if (collection is null
            || !CollectionAccess.EntityNames(name.Entity, who, collection.Collection.Owner!.Username, collection.TeamNames, collection.Facts))
        {
            return null;
        }
        var container = await db.Containers.AsNoTracking()
            .FirstOrDefaultAsync(c => c.CollectionId == collection.Collection.Id && c.Name == name.Container, ct);
        return container is null ? null : new OciRepository(name, container, collection.Collection, collection.Facts);
    }

    private async Task<OciOutcome<OciRepository>> CreateAsync(Principal who, RepositoryName name, CancellationToken ct)
    {
        var existing = await access.FindVisibleAsync(who, name.Collection, ct);
        string collectionId;
        if (existing is null)
        {
            var entity = await entities.FindEntityAsync(name.Entity, ct);
            if (!entity.Succeeded)
            {
                return new OciRefusal(OciCode.NameUnknown, entity.Message);
            }
            var created = await collections.CreateCollectionAsync(who, entity.Value!.Id, name.Collection, null, null, fromPush: true, ct);
            if (!created.Succeeded)
            {
                return OciRefusal.From(new Problem(created.Failure, created.Message), OciCode.NameUnknown);
            }
            collectionId = created.Value!.Collection.Id;
            // The library's two steps are two requests there; here one unit of work, which must not carry the first's graph.
            db.ChangeTracker.Clear();
        }
        else if (!CollectionAccess.EntityNames(name.Entity, who, existing.Collection.Owner!.Username, existing.TeamNames, existing.Facts))
        {
            return new OciRefusal(OciCode.NameUnknown, $"repository '{name}' not found");
        }
        else
        {
            collectionId = existing.Collection.Id;
        }
        var container = await containers.CreateContainerAsync(who, collectionId, name.Container, null, ct);
        if (!container.Succeeded && container.Failure != Failure.Conflict)
        {
            return OciRefusal.From(new Problem(container.Failure, container.Message), OciCode.NameUnknown);
        }
        // Created just now, or by a concurrent first push: either way it is there now.
        return await FindAsync(who, name, ct) is { } found
            ? found
            : new OciRefusal(OciCode.NameUnknown, $"repository '{name}' not found");
    }
}
