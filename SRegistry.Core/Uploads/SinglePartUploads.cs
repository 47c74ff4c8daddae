using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>
/// The single-part upload's steps: start (a session and the URL the file goes to), the file itself when it comes through
/// this app, and completion. Where the bytes wait is the staging chosen at start-up; these steps ask it, never which it is.
/// </summary>
public sealed class SinglePartUploads(
    RegistryDbContext db,
    PushAdmission admission,
    IUploadStaging staging,
    WholeBodyReceiver receiver,
    ImagePublisher publisher,
    UploadGates gates,
    DatabaseLocks locks)
{
    public async Task<Outcome<UploadSession>> StartAsync(Principal who, string? imageId, long fileSize, string? sha256Hex,
        CancellationToken ct = default)
    {
        var target = await admission.TargetAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        if (!string.IsNullOrEmpty(sha256Hex) && NameRules.HashPrefix + sha256Hex != image.Hash)
        {
            return Problem.Invalid("sha256sum does not match the image's hash");
        }
        if (staging.RefuseSingle(fileSize) is { } tooLarge)
        {
            return tooLarge;
        }
        var admitted = await admission.OpenSessionAsync(who, image, collection, UploadKind.SinglePart, fileSize, fileSize, ct);
        if (admitted.Succeeded)
        {
            if (await staging.OpenAsync(admitted.Value!, ct) is { } problem)
            {
                await admission.DiscardAsync(admitted.Value!, ct);
                return problem;
            }
            await db.SaveChangesAsync(ct);
        }
        return admitted;
    }

    /// <summary>Receives the body sent to a single-part upload URL of this app, and verifies and stores it at once.</summary>
    public async Task<Outcome<long>> ReceiveAsync(string sessionId, Stream body, CancellationToken ct = default)
    {
        var session = await admission.FindOpenAsync(sessionId, UploadKind.SinglePart, ct);
        if (session is null)
        {
            return Problem.NotFound("this upload URL is no longer valid; push again");
        }
        using var gate = gates.TryEnter(session.Id);
        if (gate is null)
        {
            return Problem.Conflict("this upload is already in progress");
        }
        var received = await receiver.ReceiveAndStoreAsync(session, body, session.ExpectedSize, session.ExpectedSize, ct);
        if (!received.Succeeded)
        {
            return received;
        }
        // Verified and stored: completion only has to claim it.
        session.State = UploadState.Received;
        await publisher.SaveWithContentsAsync(session.Image!, ct);
        return received.Value;
    }

    /// <summary>
    /// Completes the newest of the caller's sessions for the image whose bytes are there. Two clients pushing the same
    /// image may both find one: a received (already verified) session is claimed by deleting it, one whose bytes are
    /// still staged by holding its lock while they are landed, verified and stored; the loser looks again (its own
    /// session, or the image the other one has just completed). The app cannot see a PUT to an object store fail, so
    /// a cut-off attempt's session lingers (without bytes: such a PUT lands whole or not at all) until it is replaced
    /// or expires; verification makes either client's bytes the same image.
    /// </summary>
    public async Task<Outcome<UploadReceipt>> CompleteAsync(Principal who, string? imageId, CancellationToken ct = default)
    {
        var target = await admission.TargetAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        var waited = false;
        for (var look = 0; look < 10; look++)
        {
            var sessions = await db.UploadSessions.AsNoTracking()
                .Where(s => s.ImageId == image.Id && s.Kind == UploadKind.SinglePart && s.UserId == who.UserId)
                .OrderByDescending(s => s.CreatedAt)
                .Select(s => new { s.Id, s.State })
                .ToListAsync(ct);
            string? busy = null;
            var claimLost = false;
            foreach (var session in sessions)
            {
                if (session.State == UploadState.Received)
                {
                    // Verified and stored when it arrived: deleting the session is what claims it.
                    if (await db.UploadSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct) == 1)
                    {
                        return await publisher.MarkUploadedAsync(who, image, collection, ct);
                    }
                    claimLost = true;
                    continue;
                }
                // Replicas share nothing but the database: the lock is held until the image is marked uploaded.
                await using var held = await locks.TryAcquireAsync("upload:" + session.Id, ct);
                if (held is null)
                {
                    busy ??= session.Id;
                    continue;
                }
                // Completed by the other client a moment ago (it removed the session under this lock), or nothing landed.
                var current = await db.UploadSessions.FirstOrDefaultAsync(s => s.Id == session.Id, ct);
                if (current is null || await staging.LandSingleAsync(current, ct) is not { } stagedSize)
                {
                    continue;
                }
                current.Image = image;
                var stored = await publisher.VerifyAndStoreAsync(current, staging, stagedSize, null, ct);
                if (!stored.Succeeded)
                {
                    await admission.DiscardAsync(current, ct);
                    return new Problem(stored.Failure, stored.Message);
                }
                db.UploadSessions.Remove(current);
                return await publisher.MarkUploadedAsync(who, image, collection, ct);
            }
            if (busy is not null && !waited)
            {
                // Every session is being completed by another request: wait for it to finish, then look again.
                await (await locks.AcquireAsync("upload:" + busy, ct)).DisposeAsync();
                waited = true;
            }
            else if (!claimLost)
            {
                break;
            }
        }
        return image.IsUploaded || await db.Images.AnyAsync(i => i.Id == image.Id && i.IsUploaded, ct)
            ? await publisher.ReceiptAsync(image, collection, ct)
            : Problem.Conflict("the image's bytes have not been received; push again");
    }
}
