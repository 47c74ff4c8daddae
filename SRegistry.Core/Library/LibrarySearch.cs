using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

public sealed record SearchResults(
    IReadOnlyList<EntityView> Entities,
    IReadOnlyList<CollectionView> Collections,
    IReadOnlyList<ContainerView> Containers,
    IReadOnlyList<ImageView> Images);

/// <summary>Case-insensitive substring search over what the caller may see (docs/protocol/library.md#search).</summary>
public sealed class LibrarySearch(RegistryDbContext db)
{
    public const int MinimumLength = 3;
    private const int Limit = 200;

    public async Task<Outcome<SearchResults>> SearchAsync(Principal who, string? value, string? archList, bool? signedOnly, CancellationToken ct = default)
    {
        var text = (value ?? "").Trim().ToLowerInvariant();
        if (text.Length < MinimumLength || text.Length > 128)
        {
            return Problem.Invalid($"search text must be {MinimumLength} to 128 characters");
        }
        if (text.Any(char.IsControl))
        {
            // SQLite ends a pattern at NUL: "%\0%" would match everything.
            return Problem.Invalid("search text must not contain control characters");
        }
        var archs = (archList ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = archs.FirstOrDefault(a => !NameRules.IsArch(a));
        if (unknown is not null)
        {
            return Problem.Invalid($"unknown architecture '{LibraryRef.Shorten(unknown)}'");
        }
        var pattern = "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var visible = db.Collections.AsNoTracking().VisibleTo(who);
        var images = await SearchImagesAsync(visible, pattern, archs, signedOnly, ct);
        // With an architecture or signature filter only images are searched (Sylabs behaviour).
        if (archs.Length > 0 || signedOnly is not null)
        {
            return new SearchResults([], [], [], images);
        }
        var users = await db.Users.AsNoTracking().Where(u => !u.IsDisabled && LikePatterns.Matches(u.Username, pattern))
            .OrderBy(u => u.Username).Take(Limit).ToListAsync(ct);
        var teams = await db.Teams.AsNoTracking().Where(t => LikePatterns.Matches(t.Name, pattern)).OrderBy(t => t.Name).Take(Limit).ToListAsync(ct);
        var collections = await visible.Include(c => c.Owner).Where(c => LikePatterns.Matches(c.Name, pattern) || LikePatterns.Matches(c.Description, pattern))
            .OrderBy(c => c.Name).Take(Limit).ToListAsync(ct);
        var annotated = db.TagAnnotations.Matching(pattern).Select(a => a.ContainerId);
        var containers = await db.Containers.AsNoTracking().Include(c => c.Collection).ThenInclude(c => c!.Owner)
            .Where(c => visible.Select(v => v.Id).Contains(c.CollectionId))
            .Where(c => LikePatterns.Matches(c.Name, pattern) || LikePatterns.Matches(c.Description, pattern) || annotated.Contains(c.Id)
                        || c.Images.Any(i => i.IsUploaded && db.ImageContents.Any(x => x.ImageId == i.Id && LikePatterns.Matches(x.LabelsText, pattern))))
            .OrderBy(c => c.Name).Take(Limit).ToListAsync(ct);
        var containerTags = await db.Tags.AsNoTracking().Where(t => containers.Select(c => c.Id).Contains(t.ContainerId)).ToListAsync(ct);
        return new SearchResults(
            [.. users.Select(u => new EntityView(u.Id, u.Username, u.DisplayName, false, false, u.CreatedAt)),
             .. teams.Select(t => new EntityView(t.Id, t.Name, t.DisplayName, true, false, t.CreatedAt))],
            [.. collections.Select(c => new CollectionView(c, c.Owner!.Username, []))],
            [.. containers.Select(c => new ContainerView(c, c.Collection!, c.Collection!.Owner!.Username, [],
                TagMaps.ByArch(containerTags.Where(t => t.ContainerId == c.Id))))],
            images);
    }

    private async Task<List<ImageView>> SearchImagesAsync(IQueryable<Model.Collection> visible, string pattern, string[] archs, bool? signedOnly,
        CancellationToken ct)
    {
        // An image matches through the annotations of the tags that point at it.
        var annotated = db.TagAnnotations.Matching(pattern);
        var query = db.Images.AsNoTracking().Include(i => i.Container).ThenInclude(c => c!.Collection).ThenInclude(c => c!.Owner)
            .Where(i => i.IsUploaded && visible.Select(v => v.Id).Contains(i.Container!.CollectionId))
            .Where(i => LikePatterns.Matches(i.Container!.Name, pattern)
                        || LikePatterns.Matches(i.Container!.Collection!.Name, pattern)
                        || LikePatterns.Matches(i.Container!.Collection!.Owner!.Username, pattern)
                        || LikePatterns.Matches(i.Description, pattern)
                        || db.Tags.Any(t => t.ImageId == i.Id && LikePatterns.Matches(t.Name, pattern))
                        || annotated.Any(a => a.ContainerId == i.ContainerId && a.Tag!.ImageId == i.Id)
                        || db.ImageContents.Any(c => c.ImageId == i.Id && LikePatterns.Matches(c.LabelsText, pattern)));
        if (archs.Length > 0)
        {
            query = query.Where(i => i.Arch != null && archs.Contains(i.Arch));
        }
        if (signedOnly == true)
        {
            // Signed means verified here: every signature checks out against a key this registry holds.
            query = query.Where(i => db.ImageContents.Any(c => c.ImageId == i.Id && c.SignatureState == SignatureState.Verified));
        }
        else if (signedOnly == false)
        {
            query = query.Where(i => !i.IsSigned);
        }
        var images = await query.OrderBy(i => i.Container!.Name).Take(Limit).ToListAsync(ct);
        var ids = images.Select(i => i.Id).ToList();
        var tags = await db.Tags.AsNoTracking().Where(t => ids.Contains(t.ImageId)).ToListAsync(ct);
        return [.. images.Select(i => new ImageView(i, i.Container!, i.Container!.Collection!, i.Container!.Collection!.Owner!.Username,
            [.. tags.Where(t => t.ImageId == i.Id).Select(t => t.Name).Order()]))];
    }
}
