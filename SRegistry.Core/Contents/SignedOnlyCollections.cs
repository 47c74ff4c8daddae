using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Contents;

/// <summary>An image already in a signed-only collection that does not meet its rule, and why.</summary>
public sealed record RuleBreach(string Container, string ImageHash, string Reason);

/// <summary>A collection's signed-only rule as its page shows it: on or off, who may change it, and the images breaking it.</summary>
public sealed record SignedOnlyState(bool Required, bool CanChange, IReadOnlyList<RuleBreach> Breaches);

/// <summary>Turns a collection's signed-only rule on or off, and lists the images already there that break it.</summary>
public sealed class SignedOnlyCollections(RegistryDbContext db, CollectionAccess access, ImageContentsService contents, TimeProvider clock)
{
    /// <summary>Sets the rule (owner, or an admin); answers the images already stored that do not meet it.</summary>
    public async Task<Outcome<IReadOnlyList<RuleBreach>>> SetAsync(Principal who, string? name, bool require, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, name, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{name}' not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Edit, found.Facts))
        {
            return Problem.Forbidden($"only the owner of '{name}' can change its rules");
        }
        var collection = found.Collection;
        await db.Collections.Where(c => c.Id == collection.Id).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.RequireSignedImages, require)
            .SetProperty(c => c.UpdatedAt, clock.GetUtcNow()), ct);
        IReadOnlyList<RuleBreach> breaches = require ? await BreachesAsync(collection.Id, collection.OwnerId, ct) : [];
        return new Outcome<IReadOnlyList<RuleBreach>>(breaches, Failure.None, "");
    }

    /// <summary>The rule of a collection the caller can see (not found otherwise), with the images that break it when it is on.</summary>
    public async Task<Outcome<SignedOnlyState>> OfAsync(Principal who, string? name, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, name, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{name}' not found");
        }
        var collection = found.Collection;
        IReadOnlyList<RuleBreach> breaches = collection.RequireSignedImages ? await BreachesAsync(collection.Id, collection.OwnerId, ct) : [];
        return new SignedOnlyState(collection.RequireSignedImages, AccessPolicy.Can(who, CollectionAction.Edit, found.Facts), breaches);
    }

    /// <summary>Uploaded images of the collection that a signed-only rule would refuse today.</summary>
    public async Task<IReadOnlyList<RuleBreach>> BreachesAsync(string collectionId, string ownerId, CancellationToken ct = default)
    {
        var allowed = await contents.AllowedSignersAsync(collectionId, ownerId, ct);
        var images = await db.Images.AsNoTracking()
            .Where(i => i.IsUploaded && i.Container!.CollectionId == collectionId)
            .Select(i => new { Container = i.Container!.Name, i.Hash, Contents = db.ImageContents.FirstOrDefault(c => c.ImageId == i.Id) })
            .ToListAsync(ct);
        var breaches = new List<RuleBreach>();
        foreach (var image in images.OrderBy(i => i.Container).ThenBy(i => i.Hash))
        {
            var reason = image.Contents is null
                ? SignedOnlyRule.Lead + "the image was pushed before this registry read image contents; push it again"
                : SignedOnlyRule.Failure(image.Contents.SignatureState, ImageContentsService.Verdicts(image.Contents), allowed);
            if (reason is not null)
            {
                breaches.Add(new RuleBreach(image.Container, image.Hash, reason));
            }
        }
        return breaches;
    }
}
