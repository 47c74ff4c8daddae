using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Data;

public static class UniqueSaves
{
    /// <summary>
    /// Saves, or returns false when a concurrent create won a unique index (the tracked changes are dropped); the caller
    /// then reports the name as taken or reuses the winner's row.
    /// </summary>
    public static async Task<bool> TrySaveUniqueAsync(this RegistryDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
