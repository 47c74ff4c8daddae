using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Browsing;

/// <summary>How many have starred a collection, and whether the caller has.</summary>
public sealed record StarState(int Count, bool Starred, bool CanStar);

/// <summary>Stars on collections. Counts are given only for collections the caller may see, like everything else about them.</summary>
public sealed class CollectionStars(RegistryDbContext db, CollectionAccess access, TimeProvider clock)
{
    public async Task<Outcome<StarState>> StateAsync(Principal who, string? collection, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collection, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collection}' not found");
        }
        return await StateOfAsync(who, found.Collection.Id, found.Facts, ct);
    }

    /// <summary>Stars (or unstars) the collection for the caller; doing what is already so changes nothing and succeeds.</summary>
    public async Task<Outcome<StarState>> SetAsync(Principal who, string? collection, bool starred, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collection, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collection}' not found");
        }
        var (target, facts, _) = found;
        if (!AccessPolicy.Can(who, CollectionAction.Star, facts))
        {
            return Problem.Unauthenticated("sign in to star a collection");
        }
        var existing = await db.Stars.FirstOrDefaultAsync(s => s.CollectionId == target.Id && s.UserId == who.UserId, ct);
        if (starred && existing is null)
        {
            db.Stars.Add(new Star { CollectionId = target.Id, UserId = who.UserId!, StarredAt = clock.GetUtcNow() });
        }
        else if (!starred && existing is not null)
        {
            db.Stars.Remove(existing);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (starred)
        {
            // A second click that raced the first: the star is there, as asked.
            db.ChangeTracker.Clear();
        }
        return await StateOfAsync(who, target.Id, facts, ct);
    }

    private async Task<StarState> StateOfAsync(Principal who, string collectionId, CollectionFacts facts, CancellationToken ct)
    {
        var count = await db.Stars.CountAsync(s => s.CollectionId == collectionId, ct);
        var mine = who.UserId is not null && await db.Stars.AnyAsync(s => s.CollectionId == collectionId && s.UserId == who.UserId, ct);
        return new StarState(count, mine, AccessPolicy.Can(who, CollectionAction.Star, facts));
    }
}
