using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Browsing;

public enum CollectionSort
{
    Name,
    Updated,
    Containers,
}

public sealed record CollectionQuery(string? Search = null, CollectionSort Sort = CollectionSort.Name, bool Descending = false, int Page = 0,
    int PageSize = 25);

public sealed record CollectionSummary(string Name, string Description, string Owner, bool IsPrivate, int Containers, DateTimeOffset UpdatedAt, int Stars)
{
    /// <summary>The first containers by name with the tag set most recently in each, so a list row says what is inside.</summary>
    public IReadOnlyList<ContainerHeadline> Headlines { get; init; } = [];
}

/// <summary>A container's name and its most recently set tag (null while untagged).</summary>
public sealed record ContainerHeadline(string Container, string? LatestTag);

public sealed record ContainerSummary(string Name, string Description, int Images, int Tags, long Downloads, DateTimeOffset UpdatedAt);

/// <summary>What the collection page shows, and what the viewer may do there.</summary>
public sealed record CollectionDetails(
    string Name, string Description, string Owner, bool IsPrivate, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    IReadOnlyList<ContainerSummary> Containers, IReadOnlyList<string> Teams, int ImageCount, long StoredBytes,
    bool CanEdit, bool CanDelete, bool CanPush, bool CanAssignTeams, bool CanManageReaders);

/// <summary>Collections as the dashboard lists, shows, edits and deletes them; every answer filtered by the access policy.</summary>
public sealed class CollectionBrowsing(RegistryDbContext db, CollectionAccess access, ImageCatalog images, TimeProvider clock, AuditLog audit)
{
    public const int MaxPageSize = 100;

    public async Task<Paged<CollectionSummary>> BrowseAsync(Principal who, CollectionQuery query, CancellationToken ct = default)
    {
        var visible = db.Collections.AsNoTracking().VisibleTo(who);
        var search = (query.Search ?? "").Trim();
        if (search.Length > 0)
        {
            var pattern = LikePatterns.Containing(search);
            // One search box finds a collection by its own name and description, its containers' names and descriptions,
            // their tags, tag annotations ("cuda", "gpu=true"), and the label keys and values read from their images.
            var annotated = db.TagAnnotations.Matching(pattern).Select(a => a.Tag!.Container!.CollectionId);
            var tagged = db.Tags.Where(t => LikePatterns.Matches(t.Name, pattern)).Select(t => t.Container!.CollectionId);
            visible = visible.Where(c => LikePatterns.Matches(c.Name, pattern) || LikePatterns.Matches(c.Description, pattern) || annotated.Contains(c.Id)
                || tagged.Contains(c.Id)
                || c.Containers.Any(k => LikePatterns.Matches(k.Name, pattern) || LikePatterns.Matches(k.Description, pattern))
                || c.Containers.Any(k => k.Images.Any(i => i.IsUploaded
                    && db.ImageContents.Any(x => x.ImageId == i.Id && LikePatterns.Matches(x.LabelsText, pattern)))));
        }
        var total = await visible.CountAsync(ct);
        var sorted = (query.Sort, query.Descending) switch
        {
            (CollectionSort.Updated, false) => visible.OrderBy(c => c.UpdatedAt).ThenBy(c => c.Name),
            (CollectionSort.Updated, true) => visible.OrderByDescending(c => c.UpdatedAt).ThenBy(c => c.Name),
            (CollectionSort.Containers, false) => visible.OrderBy(c => c.Containers.Count).ThenBy(c => c.Name),
            (CollectionSort.Containers, true) => visible.OrderByDescending(c => c.Containers.Count).ThenBy(c => c.Name),
            (_, true) => visible.OrderByDescending(c => c.Name),
            _ => visible.OrderBy(c => c.Name),
        };
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var items = await sorted.Skip(Math.Max(query.Page, 0) * size).Take(size)
            .Select(c => new { c.Id, Summary = new CollectionSummary(c.Name, c.Description, c.Owner!.Username, c.IsPrivate, c.Containers.Count, c.UpdatedAt, c.Stars.Count) })
            .ToListAsync(ct);
        var headlines = await HeadlinesAsync([.. items.Select(i => i.Id)], ct);
        return new Paged<CollectionSummary>([.. items.Select(i => i.Summary with { Headlines = headlines[i.Id].ToList() })], total);
    }

    /// <summary>How many containers a list row names; the count says how many more there are.</summary>
    public const int HeadlinesPerCollection = 5;

    private async Task<ILookup<string, ContainerHeadline>> HeadlinesAsync(IReadOnlyList<string> collectionIds, CancellationToken ct)
    {
        var rows = await db.Containers.AsNoTracking().Where(k => collectionIds.Contains(k.CollectionId))
            .Select(k => new
            {
                k.CollectionId,
                k.Name,
                Latest = k.Tags.OrderByDescending(t => t.UpdatedAt).ThenBy(t => t.Name).Select(t => t.Name).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.CollectionId)
            .SelectMany(g => g.OrderBy(r => r.Name, StringComparer.Ordinal).Take(HeadlinesPerCollection))
            .ToLookup(r => r.CollectionId, r => new ContainerHeadline(r.Name, r.Latest));
    }

    public async Task<Outcome<CollectionDetails>> DetailsAsync(Principal who, string? name, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, name, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{name}' not found");
        }
        var (collection, facts, _) = found;
        var containers = await db.Containers.AsNoTracking().Where(c => c.CollectionId == collection.Id).OrderBy(c => c.Name)
            .Select(c => new ContainerSummary(c.Name, c.Description, c.Images.Count(i => i.IsUploaded), c.Tags.Count, c.DownloadCount, c.UpdatedAt))
            .ToListAsync(ct);
        var stored = db.Images.AsNoTracking().Where(i => i.Container!.CollectionId == collection.Id && i.IsUploaded);
        var teams = await db.CollectionTeams.AsNoTracking().Where(t => t.CollectionId == collection.Id)
            .Select(t => t.Team!.Name).OrderBy(n => n).ToListAsync(ct);
        return new CollectionDetails(collection.Name, collection.Description, collection.Owner!.Username, collection.IsPrivate,
            collection.CreatedAt, collection.UpdatedAt, containers, teams, await stored.CountAsync(ct), await stored.SumAsync(i => i.Size, ct),
            AccessPolicy.Can(who, CollectionAction.Edit, facts), AccessPolicy.Can(who, CollectionAction.Delete, facts),
            AccessPolicy.Can(who, CollectionAction.Push, facts), AccessPolicy.Can(who, CollectionAction.AssignTeams, facts),
            AccessPolicy.Can(who, CollectionAction.ManageReaders, facts));
    }

    public async Task<Outcome<bool>> UpdateAsync(Principal who, string? name, string? description, bool isPrivate, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, name, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{name}' not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Edit, found.Facts))
        {
            return Problem.Forbidden($"only the owner of '{name}' can change it");
        }
        if ((description ?? "").Length > NewCollectionValidator.MaxDescriptionLength)
        {
            return Problem.Invalid($"the description is longer than {NewCollectionValidator.MaxDescriptionLength} characters");
        }
        var before = found.Collection;
        var cleaned = Descriptions.Clean(description);
        return await audit.ChangeAsync<bool>(async () =>
        {
            await db.Collections.Where(c => c.Id == before.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Description, cleaned)
                .SetProperty(c => c.IsPrivate, isPrivate)
                .SetProperty(c => c.UpdatedAt, clock.GetUtcNow()), ct);
            if (before.IsPrivate != isPrivate)
            {
                audit.Record(who, AuditActions.CollectionVisibility, before.Name, isPrivate ? "public → private" : "private → public");
            }
            if (before.Description != cleaned)
            {
                audit.Record(who, AuditActions.CollectionDescription, before.Name, cleaned.Length == 0 ? "description removed" : cleaned);
            }
            return true;
        }, ct);
    }

    /// <summary>Deletes a collection with its containers, images and tags; frees blobs nothing else uses. Answers how many images went.</summary>
    public async Task<Outcome<int>> DeleteAsync(Principal who, string? name, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, name, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{name}' not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Delete, found.Facts))
        {
            return Problem.Forbidden($"only the owner of '{name}' can delete it");
        }
        var id = found.Collection.Id;
        var holdsFrozen = await db.Containers.AnyAsync(c => c.CollectionId == id && c.IsReadOnly, ct);
        if (!AccessPolicy.CanChangeContainer(who, CollectionAction.Delete, found.Facts, holdsFrozen))
        {
            return Problem.Forbidden($"'{name}' holds frozen containers; unfreeze them before deleting it");
        }
        var hashes = await db.Images.AsNoTracking().Where(i => i.Container!.CollectionId == id).Select(i => i.Hash).Distinct().ToListAsync(ct);
        var imageCount = await db.Images.CountAsync(i => i.Container!.CollectionId == id && i.IsUploaded, ct);
        var containers = await db.Containers.CountAsync(c => c.CollectionId == id, ct);
        // Containers, images, tags, team assignments and upload sessions go with it (cascading foreign keys).
        await audit.ChangeAsync<bool>(async () =>
        {
            await db.Collections.Where(c => c.Id == id).ExecuteDeleteAsync(ct);
            audit.Record(who, AuditActions.CollectionDelete, found.Collection.Name,
                $"owner {found.Collection.Owner?.Username}, {containers} container(s), {imageCount} image(s)");
            return true;
        }, ct);
        foreach (var hash in hashes)
        {
            await images.DeleteBlobIfUnusedAsync(hash, ct);
        }
        return imageCount;
    }
}
