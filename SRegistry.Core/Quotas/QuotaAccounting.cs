using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Quotas;

/// <summary>
/// Storage quotas. A collection's images count against its owner's quota, or against a team's when the collection
/// is charged to one of its assigned teams (see <see cref="QuotaAdministration"/>). Usage is the sum of the sizes of the
/// uploaded images in the account's collections: an image stored in two containers counts twice, as it would if
/// the owner kept two copies, so usage never depends on what other people happen to store.
/// </summary>
public sealed class QuotaAccounting(RegistryDbContext db, QuotaGate gate, TimeProvider clock, IOptions<RegistryOptions> options)
{
    /// <summary>
    /// The account a collection's storage is charged to. Anyone can make a team, so a team holds charged collections
    /// only while an administrator has set its quota; otherwise (never set, or reset to the default) the collection
    /// counts against its owner again, whatever sequence of team changes led there.
    /// </summary>
    public async Task<QuotaAccount> AccountOfAsync(string collectionId, CancellationToken ct = default)
    {
        var row = await db.Collections.AsNoTracking().Where(c => c.Id == collectionId)
            .Select(c => new { c.OwnerId, Owner = c.Owner!.Username, c.ChargedTeamId, Team = c.ChargedTeam!.Name, TeamQuota = c.ChargedTeam.QuotaBytes })
            .FirstAsync(ct);
        return row.ChargedTeamId is null || row.TeamQuota is null
            ? new QuotaAccount(QuotaHolder.User, row.OwnerId, row.Owner)
            : new QuotaAccount(QuotaHolder.Team, row.ChargedTeamId, row.Team);
    }

    public async Task<QuotaUsage> UsageAsync(QuotaAccount account, CancellationToken ct = default)
    {
        var total = await TotalBytesAsync(account, ct);
        var used = await StoredImages(account).SumAsync(i => (long?)i.Size, ct) ?? 0;
        return new QuotaUsage(total, used + await LinkedBlobBytesAsync(account, ct));
    }

    public Task<QuotaUsage> ForUserAsync(string userId, CancellationToken ct = default) =>
        UsageAsync(new QuotaAccount(QuotaHolder.User, userId, ""), ct);

    /// <summary>
    /// Admits <paramref name="bytes"/> more into the collection's account and records the admission with
    /// <paramref name="record"/> (an upload session, or an image that links stored bytes) before anyone else is
    /// admitted to the same account. Uploads in progress count as reserved, so concurrent pushes on this node never
    /// overshoot the quota together; only a push started in the same instant on another replica could.
    /// </summary>
    public async Task<Outcome<T>> AdmitAsync<T>(string collectionId, long bytes, string imageId, Func<Task<T>> record,
        CancellationToken ct = default)
    {
        var account = await AccountOfAsync(collectionId, ct);
        using (await gate.EnterAsync(account, ct))
        {
            var usage = await UsageAsync(account, ct);
            if (!usage.IsUnlimited)
            {
                var reserved = await ReservedBytesAsync(account, imageId, ct);
                if (usage.UsedBytes + reserved + bytes > usage.TotalBytes)
                {
                    return Problem.QuotaExceeded(RefusalMessage(account, usage, reserved, bytes));
                }
            }
            return await record();
        }
    }

    /// <summary>The images whose bytes count against the account.</summary>
    internal IQueryable<Image> StoredImages(QuotaAccount account)
    {
        var collections = ChargedCollections(account);
        return db.Images.AsNoTracking().Where(i => i.IsUploaded && collections.Contains(i.Container!.CollectionId));
    }

    /// <summary>
    /// Bytes of OCI blobs linked into the account's repositories, except a SIF that is also that container's library
    /// image (already counted above).
    /// </summary>
    private async Task<long> LinkedBlobBytesAsync(QuotaAccount account, CancellationToken ct)
    {
        var collections = ChargedCollections(account);
        return await db.OciBlobLinks.AsNoTracking()
            .Where(l => collections.Contains(l.Container!.CollectionId)
                        && !db.Images.Any(i => i.ContainerId == l.ContainerId && i.IsUploaded && i.Hash == NameRules.HashPrefix + l.Hex))
            .SumAsync(l => (long?)l.Size, ct) ?? 0;
    }

    internal IQueryable<string> ChargedCollections(QuotaAccount account) => account.Holder == QuotaHolder.User
        ? db.Collections.AsNoTracking().Where(c => c.OwnerId == account.Id && (c.ChargedTeamId == null || c.ChargedTeam!.QuotaBytes == null)).Select(c => c.Id)
        : db.Collections.AsNoTracking().Where(c => c.ChargedTeamId == account.Id && c.ChargedTeam!.QuotaBytes != null).Select(c => c.Id);

    internal long DefaultBytes(QuotaHolder holder) =>
        holder == QuotaHolder.User ? options.Value.DefaultUserQuotaBytes : options.Value.DefaultTeamQuotaBytes;

    private async Task<long> TotalBytesAsync(QuotaAccount account, CancellationToken ct)
    {
        var quota = account.Holder == QuotaHolder.User
            ? await db.Users.AsNoTracking().Where(u => u.Id == account.Id).Select(u => u.QuotaBytes).FirstOrDefaultAsync(ct)
            : await db.Teams.AsNoTracking().Where(t => t.Id == account.Id).Select(t => t.QuotaBytes).FirstOrDefaultAsync(ct);
        return quota ?? DefaultBytes(account.Holder);
    }

    /// <summary>Bytes of unexpired uploads into the account's collections, other than another attempt at the same image.</summary>
    private async Task<long> ReservedBytesAsync(QuotaAccount account, string imageId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var collections = ChargedCollections(account);
        return await db.UploadSessions.AsNoTracking()
            .Where(s => s.ImageId != imageId && s.ExpiresAt > now && !s.Image!.IsUploaded && collections.Contains(s.Image.Container!.CollectionId))
            .SumAsync(s => (long?)s.ExpectedSize, ct) ?? 0;
    }

    private static string RefusalMessage(QuotaAccount account, QuotaUsage usage, long reserved, long bytes)
    {
        var inFlight = reserved > 0 ? $" (and {ByteCount.Format(reserved)} in uploads in progress)" : "";
        return $"storage quota exceeded: {account} uses {ByteCount.Format(usage.UsedBytes)} of {ByteCount.Format(usage.TotalBytes)}{inFlight}, "
               + $"and this image needs {ByteCount.Format(bytes)} more. Nothing was uploaded; delete images you no longer need "
               + "or ask an administrator for a larger quota";
    }
}
