using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>The library protocol's containers: found by reference or id when the caller may see them, created by those who may push.</summary>
public sealed class LibraryContainers(RegistryDbContext db, CollectionAccess access, TimeProvider clock, AuditLog audit)
{
    public async Task<Outcome<ContainerView>> FindContainerAsync(Principal who, string? entity, string collection, string container,
        CancellationToken ct = default)
    {
        var error = LibraryRef.Validate(entity, collection, container);
        if (error is not null)
        {
            return Problem.Invalid(error);
        }
        var found = await access.FindReferencedAsync(who, entity, collection, ct);
        var row = found is null
            ? null
            : await db.Containers.AsNoTracking().FirstOrDefaultAsync(c => c.CollectionId == found.Id && c.Name == container, ct);
        if (row is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        return await ToContainerViewAsync(row, found!, ct);
    }

    /// <summary>A container by ID, when the caller can see its collection.</summary>
    public async Task<Outcome<ContainerView>> FindContainerByIdAsync(Principal who, string? containerId, CancellationToken ct = default)
    {
        var found = await access.FindVisibleContainerByIdAsync(who, containerId, ct);
        if (found is null)
        {
            return Problem.NotFound("container not found");
        }
        return await ToContainerViewAsync(found.Container, found.Collection, ct);
    }

    public async Task<Outcome<ContainerView>> CreateContainerAsync(Principal who, string? collectionId, string? name, string? description,
        CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsContainerName(name))
        {
            return Problem.Invalid($"invalid container name '{LibraryRef.Shorten(name ?? "")}': {NameRules.ContainerNameRule}");
        }
        var collection = string.IsNullOrEmpty(collectionId)
            ? null
            : await db.Collections.AsNoTracking().Include(c => c.Owner).FirstOrDefaultAsync(c => c.Id == collectionId, ct);
        if (collection is null)
        {
            return Problem.Invalid("the collection given for the new container does not exist");
        }
        var facts = await access.FactsAsync(collection, ct);
        if (!AccessPolicy.Can(who, CollectionAction.View, facts))
        {
            return Problem.Invalid("the collection given for the new container does not exist");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Push, facts))
        {
            return Problem.Forbidden($"you may not push to collection '{collection.Name}'");
        }
        var now = clock.GetUtcNow();
        var created = new Container
        {
            CollectionId = collection.Id,
            Name = name!,
            Description = Descriptions.Clean(description),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Containers.Add(created);
        audit.Record(who, AuditActions.ContainerCreate, $"{collection.Name}/{created.Name}");
        if (!await db.TrySaveUniqueAsync(ct))
        {
            var existing = await db.Containers.AsNoTracking().FirstAsync(c => c.CollectionId == collection.Id && c.Name == name, ct);
            return await ToContainerViewAsync(existing, collection, ct);
        }
        return await ToContainerViewAsync(created, collection, ct);
    }

    private async Task<ContainerView> ToContainerViewAsync(Container container, Collection collection, CancellationToken ct)
    {
        var imageIds = await db.Images.AsNoTracking().Where(i => i.ContainerId == container.Id).Select(i => i.Id).ToListAsync(ct);
        var tags = await db.Tags.AsNoTracking().Where(t => t.ContainerId == container.Id).ToListAsync(ct);
        return new ContainerView(container, collection, collection.Owner?.Username ?? "", imageIds, TagMaps.ByArch(tags));
    }
}
