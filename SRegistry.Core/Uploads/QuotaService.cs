using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;

namespace SRegistry.Core.Uploads;

/// <summary>Bytes used against a limit; a total of 0 means unlimited.</summary>
public sealed record QuotaUsage(long TotalBytes, long UsedBytes)
{
    public bool Allows(long moreBytes) => TotalBytes == 0 || UsedBytes + moreBytes <= TotalBytes;
}

/// <summary>Storage is charged to the collection owner: the sum of the images stored in their collections.</summary>
public sealed class QuotaService(RegistryDbContext db, IOptions<RegistryOptions> options)
{
    public async Task<QuotaUsage> ForUserAsync(string userId, CancellationToken ct = default)
    {
        var quota = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.QuotaBytes).FirstOrDefaultAsync(ct);
        var used = await db.Images.AsNoTracking()
            .Where(i => i.IsUploaded && i.Container!.Collection!.OwnerId == userId)
            .SumAsync(i => (long?)i.Size, ct) ?? 0;
        return new QuotaUsage(quota ?? options.Value.DefaultUserQuotaBytes, used);
    }
}
