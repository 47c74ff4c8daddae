using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Library;

/// <summary>Entities, collections and containers: the namespace a push walks through before it uploads.</summary>
public sealed class Namespaces(RegistryDbContext db, CollectionAccess access, TimeProvider clock, IOptions<RegistryOptions> options,
    IValidator<NewCollection> validator, AuditLog audit)
{
    private RegistryOptions Options => options.Value;

    public async Task<EntityView?> FindEntityAsync(string name, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == name && !u.IsDisabled, ct);
        if (user is not null)
        {
            return ToEntity(user);
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        return team is null ? null : ToEntity(team);
    }

    /// <summary>Entities are users and teams, created elsewhere; the protocol's create only confirms the caller's own namespace.</summary>
    public async Task<Outcome<EntityView>> CreateEntityAsync(Principal who, string? name, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsEntityName(name))
        {
            return Problem.Invalid($"invalid entity name: {NameRules.ContainerNameRule}");
        }
        if (name == who.Username)
        {
            var self = await db.Users.AsNoTracking().FirstAsync(u => u.Id == who.UserId, ct);
            return ToEntity(self);
        }
        return Problem.Forbidden($"you can only push to your own namespace '{who.Username}' or a team's; '{name}' is neither (create teams in the web UI)");
    }

    /// <summary>Finds a collection the caller can see, checking the entity the reference named.</summary>
    public async Task<Outcome<CollectionView>> FindCollectionAsync(Principal who, string? entity, string collection, CancellationToken ct = default)
    {
        var error = LibraryRef.Validate(entity, collection, null);
        if (error is not null)
        {
            return Problem.Invalid(error);
        }
        var found = await LoadVisibleCollectionAsync(who, entity, collection, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collection}' not found");
        }
        var containerIds = await db.Containers.AsNoTracking().Where(c => c.CollectionId == found.Id).Select(c => c.Id).ToListAsync(ct);
        return new CollectionView(found, found.Owner!.Username, containerIds);
    }

    public async Task<Outcome<CollectionView>> CreateCollectionAsync(Principal who, string? entityId, string? name, string? description,
        bool? isPrivate, bool fromPush, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!AccessPolicy.CanCreateCollection(who))
        {
            return Problem.Forbidden("you may not create collections");
        }
        if (name == Options.DefaultCollection && !who.IsAdmin)
        {
            // One-segment references (library://alpine) resolve here: the registry's own namespace, not the first pusher's.
            return Problem.Forbidden($"'{name}' is this registry's default collection (one-segment references); only administrators create it");
        }
        if (fromPush && !Options.AutoCreateCollections)
        {
            return Problem.Forbidden($"collection '{name}' does not exist; create it in the web UI first");
        }
        // The namespace comes before the name: a push into someone else's namespace is refused for that reason, and
        // learns nothing about whether a (private) collection of that name exists there.
        string? teamId = null;
        string? teamName = null;
        if (!string.IsNullOrEmpty(entityId) && entityId != who.UserId)
        {
            var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == entityId, ct);
            if (team is not null && (who.TeamIds.Contains(team.Id) || who.IsAdmin))
            {
                teamId = team.Id;
                teamName = team.Name;
            }
            else if (!who.IsAdmin)
            {
                return Problem.Forbidden("you can only create collections in your own namespace or a team you belong to");
            }
        }
        var request = new NewCollection { Name = name ?? "", Description = CleanDescription(description), IsPrivate = isPrivate ?? Options.NewCollectionsPrivate };
        var validation = await validator.ValidateAsync(request, ct);
        if (!validation.IsValid)
        {
            var error = validation.Errors[0];
            if (error.ErrorCode != NewCollectionValidator.TakenCode)
            {
                return Problem.Invalid($"invalid collection name '{LibraryRef.Shorten(name ?? "")}': {error.ErrorMessage}");
            }
            return await OwnCollectionCreatedMeanwhileAsync(who, name!, fromPush, ct) is { } mine ? mine : Problem.Conflict(error.ErrorMessage);
        }
        var now = clock.GetUtcNow();
        var created = new Collection
        {
            Name = name!,
            Description = request.Description,
            IsPrivate = request.IsPrivate,
            OwnerId = who.UserId!,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (teamId is not null)
        {
            created.Teams.Add(new CollectionTeam { CollectionId = created.Id, TeamId = teamId });
        }
        db.Collections.Add(created);
        audit.Record(who, AuditActions.CollectionCreate, created.Name,
            $"{(created.IsPrivate ? "private" : "public")}{(teamName is null ? "" : $", team {teamName}")}{(fromPush ? ", by a push" : "")}");
        if (!await TrySaveUniqueAsync(ct))
        {
            return await OwnCollectionCreatedMeanwhileAsync(who, name!, fromPush, ct) is { } mine
                ? mine
                : Problem.Conflict($"collection name '{name}' is already taken; collection names are unique on this registry");
        }
        var owner = await db.Users.AsNoTracking().FirstAsync(u => u.Id == who.UserId, ct);
        created.Owner = owner;
        return new CollectionView(created, owner.Username, []);
    }

    /// <summary>
    /// Two pushes of the same user into a new collection both find it missing and both create it; the one that loses the
    /// name gets the winner's collection, as the container create does. Only for pushes, and only the caller's own:
    /// someone else's name stays taken, and the web UI still says so.
    /// </summary>
    private async Task<CollectionView?> OwnCollectionCreatedMeanwhileAsync(Principal who, string name, bool fromPush, CancellationToken ct)
    {
        if (!fromPush)
        {
            return null;
        }
        var mine = await db.Collections.AsNoTracking().Include(c => c.Owner).FirstOrDefaultAsync(c => c.Name == name && c.OwnerId == who.UserId, ct);
        if (mine is null)
        {
            return null;
        }
        var containerIds = await db.Containers.AsNoTracking().Where(c => c.CollectionId == mine.Id).Select(c => c.Id).ToListAsync(ct);
        return new CollectionView(mine, mine.Owner!.Username, containerIds);
    }

    public async Task<Outcome<ContainerView>> FindContainerAsync(Principal who, string? entity, string collection, string container,
        CancellationToken ct = default)
    {
        var error = LibraryRef.Validate(entity, collection, container);
        if (error is not null)
        {
            return Problem.Invalid(error);
        }
        var found = await LoadVisibleCollectionAsync(who, entity, collection, ct);
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
            Description = CleanDescription(description),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Containers.Add(created);
        audit.Record(who, AuditActions.ContainerCreate, $"{collection.Name}/{created.Name}");
        if (!await TrySaveUniqueAsync(ct))
        {
            var existing = await db.Containers.AsNoTracking().FirstAsync(c => c.CollectionId == collection.Id && c.Name == name, ct);
            return await ToContainerViewAsync(existing, collection, ct);
        }
        return await ToContainerViewAsync(created, collection, ct);
    }

    /// <summary>
    /// The collection named, if the caller may see it and the entity segment (when given) names its namespace
    /// (<see cref="CollectionAccess.EntityNames"/>). Anything else is reported as not found.
    /// </summary>
    private async Task<Collection?> LoadVisibleCollectionAsync(Principal who, string? entity, string collection, CancellationToken ct)
    {
        var found = await access.FindVisibleAsync(who, collection, ct);
        return found is not null && CollectionAccess.EntityNames(entity, who, found.Collection.Owner!.Username, found.TeamNames, found.Facts)
            ? found.Collection
            : null;
    }

    private async Task<ContainerView> ToContainerViewAsync(Container container, Collection collection, CancellationToken ct)
    {
        var imageIds = await db.Images.AsNoTracking().Where(i => i.ContainerId == container.Id).Select(i => i.Id).ToListAsync(ct);
        var tags = await db.Tags.AsNoTracking().Where(t => t.ContainerId == container.Id).ToListAsync(ct);
        return new ContainerView(container, collection, collection.Owner?.Username ?? "", imageIds, TagMaps.ByArch(tags));
    }

    private async Task<bool> TrySaveUniqueAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e))
        {
            // A concurrent create won the unique index; the caller reports or reuses the winner.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>The client sends "No description" when the user gave none.</summary>
    internal static string CleanDescription(string? description)
    {
        var text = (description ?? "").Trim();
        if (text.Equals("No description", StringComparison.OrdinalIgnoreCase))
        {
            return "";
        }
        return text.Length > 1024 ? text[..1024] : text;
    }

    private EntityView ToEntity(User user) =>
        new(user.Id, user.Username, user.DisplayName, false, Options.NewCollectionsPrivate, user.CreatedAt);

    private EntityView ToEntity(Team team) =>
        new(team.Id, team.Name, team.DisplayName, true, Options.NewCollectionsPrivate, team.CreatedAt);
}
