using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;

namespace SRegistry.Core.Accounts;

/// <summary>
/// Brings every user's <see cref="Model.User.IsListedAdmin"/> in line with <see cref="RegistryOptions.AdminUsers"/> when
/// the server starts: a name taken off the list is no longer an admin from then on, unless an admin here made them one.
/// </summary>
public sealed class ListedAdmins(RegistryDbContext db, IOptions<RegistryOptions> options)
{
    public static IReadOnlySet<string> Names(RegistryOptions options) =>
        options.AdminUsers.Select(n => n.Trim()).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);

    /// <summary>Returns how many users changed.</summary>
    public async Task<int> ReconcileAsync(CancellationToken ct = default)
    {
        var names = Names(options.Value).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Rows from before the list was tracked: their admin flag may have come from the list, and a name still listed
        // now is taken to be why. Those admins then end when the name goes; one made here while listed cannot be told apart.
        await db.Users.Where(u => u.IsListedAdmin == null && u.IsAdmin && names.Contains(u.Username))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, false), ct);
        var listed = await db.Users.Where(u => u.IsListedAdmin != true && names.Contains(u.Username))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsListedAdmin, true), ct);
        var unlisted = await db.Users.Where(u => u.IsListedAdmin != false && !names.Contains(u.Username))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsListedAdmin, false), ct);
        await transaction.CommitAsync(ct);
        return listed + unlisted;
    }
}
