using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Browsing;

/// <summary>
/// The users a collection's owner lets see and pull it while it is private, without push (sregistry's contributors).
/// Only those who may manage readers see or change the list.
/// </summary>
public sealed class CollectionReaders(RegistryDbContext db, CollectionAccess access, TimeProvider clock, AuditLog audit)
{
    public async Task<Outcome<IReadOnlyList<string>>> ListAsync(Principal who, string? collection, CancellationToken ct = default)
    {
        var found = await ManageableAsync(who, collection, ct);
        if (!found.Succeeded)
        {
            return new Outcome<IReadOnlyList<string>>(null, found.Failure, found.Message);
        }
        var id = found.Value!.Id;
        return await db.CollectionReaders.AsNoTracking().Where(r => r.CollectionId == id).Select(r => r.User!.Username).OrderBy(n => n).ToListAsync(ct);
    }

    /// <summary>Adds or removes one reader by username; adding one already there, or removing one who is not, changes nothing and succeeds.</summary>
    public async Task<Outcome<bool>> SetAsync(Principal who, string? collection, string? username, bool reader, CancellationToken ct = default)
    {
        var found = await ManageableAsync(who, collection, ct);
        if (!found.Succeeded)
        {
            return new Outcome<bool>(false, found.Failure, found.Message);
        }
        var target = found.Value!;
        var name = (username ?? "").Trim();
        if (!NameRules.IsEntityName(name))
        {
            return Problem.Invalid($"'{LibraryRef.Shorten(name)}' is not a username");
        }
        var user = await db.Users.AsNoTracking().Where(u => u.Username == name).Select(u => new { u.Id }).FirstOrDefaultAsync(ct);
        if (user is null)
        {
            return Problem.Invalid($"no user is called '{name}'");
        }
        if (reader && user.Id == target.OwnerId)
        {
            return Problem.Invalid($"'{name}' owns '{target.Name}' and may do everything there already");
        }
        var existing = await db.CollectionReaders.FirstOrDefaultAsync(r => r.CollectionId == target.Id && r.UserId == user.Id, ct);
        if (reader && existing is null)
        {
            db.CollectionReaders.Add(new CollectionReader { CollectionId = target.Id, UserId = user.Id, AddedAt = clock.GetUtcNow() });
            audit.Record(who, AuditActions.CollectionReaderAdd, target.Name, name);
        }
        else if (!reader && existing is not null)
        {
            db.CollectionReaders.Remove(existing);
            audit.Record(who, AuditActions.CollectionReaderRemove, target.Name, name);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (reader)
        {
            // Someone added the same reader a moment ago: what was asked for is true.
        }
        return true;
    }

    private async Task<Outcome<Collection>> ManageableAsync(Principal who, string? collection, CancellationToken ct)
    {
        var found = await access.FindVisibleAsync(who, collection, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collection}' not found");
        }
        return AccessPolicy.Can(who, CollectionAction.ManageReaders, found.Facts)
            ? found.Collection
            : Problem.Forbidden($"only the owner of '{collection}' can choose its readers");
    }
}
