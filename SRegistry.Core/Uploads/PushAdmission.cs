using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Quotas;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>
/// Who may push what, and how much: the caller's right to push to the image's collection and container, the size
/// limits, the quota, and the upload sessions that hold a quota reservation while bytes arrive.
/// </summary>
public sealed class PushAdmission(
    RegistryDbContext db,
    CollectionAccess access,
    QuotaAccounting quotas,
    IUploadStaging staging,
    UploadGates gates,
    TimeProvider clock,
    IOptions<RegistryOptions> options)
{
    /// <summary>An upload that has received nothing for this long may be taken over by a new attempt at the same image.</summary>
    internal static readonly TimeSpan IdleBeforeReplaced = TimeSpan.FromMinutes(1);

    private RegistryOptions Options => options.Value;

    /// <summary>The image the caller pushes to, with its collection, once the caller may push there.</summary>
    public async Task<Outcome<(Image Image, Collection Collection)>> TargetAsync(Principal who, string? imageId, CancellationToken ct)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var image = string.IsNullOrEmpty(imageId) ? null : await db.Images.FirstOrDefaultAsync(i => i.Id == imageId, ct);
        var found = image is null ? null : await access.FindVisibleContainerByIdAsync(who, image.ContainerId, ct);
        if (image is null || found is null)
        {
            return Problem.NotFound("image not found");
        }
        if (CollectionAccess.RefuseChange(who, CollectionAction.Push, found) is { } refused)
        {
            return refused;
        }
        return (image, found.Collection);
    }

    /// <summary>
    /// Opens an upload session once the declared size passes the limits and the quota. The session is the quota
    /// reservation: it is checked and recorded under the account's gate, before the first byte is accepted.
    /// </summary>
    public async Task<Outcome<UploadSession>> OpenSessionAsync(Principal who, Image image, Collection collection, UploadKind kind,
        long fileSize, long partSize, CancellationToken ct)
    {
        if (fileSize <= 0)
        {
            return Problem.Invalid("filesize must be a positive number of bytes");
        }
        if (fileSize > Options.MaxImageBytes)
        {
            return Problem.Invalid($"the image is {fileSize} bytes; this registry accepts at most {Options.MaxImageBytes}");
        }
        return await quotas.AdmitAsync(collection.Id, fileSize, image.Id, () => RecordSessionAsync(who, image, kind, fileSize, partSize, ct), ct);
    }

    private async Task<UploadSession> RecordSessionAsync(Principal who, Image image, UploadKind kind, long fileSize, long partSize,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // A new attempt replaces abandoned ones for the same image (the client re-pushes into the same image ID), but
        // not one that is still going: another client may be pushing the same file at this moment, between two parts.
        var quietSince = now - IdleBeforeReplaced;
        var abandoned = (await db.UploadSessions.AsNoTracking()
                .Where(s => s.ImageId == image.Id && s.CreatedAt < quietSince && !s.Parts.Any(p => p.ReceivedAt >= quietSince))
                .ToListAsync(ct))
            .Where(s => !gates.IsBusy(s.Id)).ToList();
        foreach (var old in abandoned)
        {
            await staging.ReleaseAsync(old, ct);
        }
        if (abandoned.Count > 0)
        {
            // Set-based: two retries replacing the same abandoned session must not trip over each other.
            var ids = abandoned.Select(s => s.Id).ToList();
            await db.UploadSessions.Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(ct);
        }
        var session = new UploadSession
        {
            ImageId = image.Id,
            Image = image,
            UserId = who.UserId!,
            Kind = kind,
            State = UploadState.Open,
            ExpectedSize = fileSize,
            ExpectedSha256 = ImageCatalog.HexOf(image.Hash),
            PartSize = partSize,
            TotalParts = (int)((fileSize + partSize - 1) / partSize),
            CreatedAt = now,
            ExpiresAt = now + Options.UploadLifetime,
        };
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return session;
    }

    /// <summary>The open, unexpired session an upload URL names.</summary>
    public async Task<UploadSession?> FindOpenAsync(string sessionId, UploadKind kind, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await db.UploadSessions.Include(s => s.Image)
            .FirstOrDefaultAsync(s => s.Id == sessionId && s.Kind == kind && s.State == UploadState.Open && s.ExpiresAt > now, ct);
    }

    /// <summary>The caller's open multipart session for the image, once the caller may still push there.</summary>
    public async Task<Outcome<UploadSession>> FindMultipartAsync(Principal who, string? imageId, string? uploadId, CancellationToken ct)
    {
        var target = await TargetAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var now = clock.GetUtcNow();
        var session = string.IsNullOrEmpty(uploadId)
            ? null
            : await db.UploadSessions.Include(s => s.Image).FirstOrDefaultAsync(s => s.Id == uploadId && s.ImageId == imageId
                && s.Kind == UploadKind.Multipart && s.State == UploadState.Open && s.ExpiresAt > now, ct);
        if (session is null || (session.UserId != who.UserId && !who.IsAdmin))
        {
            return Problem.NotFound("multipart upload not found or expired; push again");
        }
        return session;
    }

    /// <summary>Ends a session: its bytes and the quota it reserved go.</summary>
    public async Task DiscardAsync(UploadSession session, CancellationToken ct)
    {
        await staging.ReleaseAsync(session, ct);
        db.UploadSessions.Remove(session);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Ends a failed upload. A failed upload fails the push (the client never re-sends to the same URL), so it leaves
    /// nothing behind: neither the bytes nor the session holding quota for them.
    /// </summary>
    public async Task<Problem> FailAsync(UploadSession session, Problem problem)
    {
        try
        {
            await DiscardAsync(session, CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            // The session was replaced or removed meanwhile; expiry removes whatever is left.
        }
        return problem;
    }
}
