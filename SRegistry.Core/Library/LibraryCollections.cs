using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>The library protocol's collections: found through a reference the caller may see, and created by a push or the dashboard.</summary>
public sealed class LibraryCollections(RegistryDbContext db, CollectionAccess access, TimeProvider clock, IOptions<RegistryOptions> options,
    IValidator<NewCollection> validator, AuditLog audit)
{
    private RegistryOptions Options => options.Value;

    /// <summary>Finds a collection the caller can see, checking the entity the reference named.</summary>
    public async Task<Outcome<CollectionView>> FindCollectionAsync(Principal who, string? entity, string collection, CancellationToken ct = default)
    {
        var error = LibraryRef.Validate(entity, collection, null);
        if (error is not null)
        {
            return Problem.Invalid(error);
        }
        var found = await access.FindReferencedAsync(who, entity, collection, ct);
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
        var request = new NewCollection { Name = name ?? "", Description = Descriptions.Clean(description), IsPrivate = isPrivate ?? Options.NewCollectionsPrivate };
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
        if (!await db.TrySaveUniqueAsync(ct))
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
}
