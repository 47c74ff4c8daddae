using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>
/// Housekeeping of uploads: expired sessions with their bytes, staged bytes no session owns (left by a crash or a
/// PUT the app never heard of), and image records whose upload never finished.
/// </summary>
public sealed partial class UploadExpiry(
    RegistryDbContext db,
    IUploadStaging staging,
    UploadGates gates,
    TimeProvider clock,
    IOptions<RegistryOptions> options,
    ILogger<UploadExpiry> log)
{
    /// <summary>
    /// Deletes expired sessions with their bytes, staged bytes no session owns, and image records whose upload never
    /// finished and stopped being worked on an upload lifetime ago. Their blobs, if any landed, are then unreferenced,
    /// which is what the admin garbage collection frees.
    /// </summary>
    public async Task<int> ExpireAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var lifetime = options.Value.UploadLifetime;
        // A session still receiving bytes (a very large, slow upload) is left alone: its file is being written.
        var expired = (await db.UploadSessions.Where(s => s.ExpiresAt < now).ToListAsync(ct)).Where(s => !gates.IsBusy(s.Id)).ToList();
        foreach (var session in expired)
        {
            await staging.ReleaseAsync(session, ct);
        }
        db.UploadSessions.RemoveRange(expired);
        await db.SaveChangesAsync(ct);

        var stale = now - lifetime;
        var abandoned = await db.Images
            .Where(i => !i.IsUploaded && i.UpdatedAt < stale && !db.UploadSessions.Any(s => s.ImageId == i.Id))
            .ExecuteDeleteAsync(ct);

        // Sessions expired above count once: their bytes are gone already, even if the store still lists an aborted upload.
        var notOrphans = (await db.UploadSessions.AsNoTracking().Select(s => s.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        notOrphans.UnionWith(expired.Select(s => s.Id));
        var orphans = await staging.SweepAsync(notOrphans, now - lifetime, ct);
        if (expired.Count + orphans + abandoned > 0)
        {
            LogExpired(log, expired.Count, orphans, abandoned);
        }
        return expired.Count + orphans + abandoned;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Sessions} upload sessions, {Orphans} orphaned upload files and {Abandoned} never-uploaded image records")]
    private static partial void LogExpired(ILogger logger, int sessions, int orphans, int abandoned);
}
