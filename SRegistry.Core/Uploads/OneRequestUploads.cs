using SRegistry.Core.Access;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>
/// The legacy upload: the whole file in the request that announces it, for clients that think the server is old.
/// The bytes come through this app, so they are staged in the folder whichever store keeps the blobs.
/// </summary>
public sealed class OneRequestUploads(PushAdmission admission, WholeBodyReceiver receiver, ImagePublisher publisher, Data.RegistryDbContext db)
{
    public async Task<Outcome<UploadReceipt>> ReceiveAsync(Principal who, string? imageId, Stream body, long? contentLength,
        CancellationToken ct = default)
    {
        var target = await admission.TargetAsync(who, imageId, ct);
        if (!target.Succeeded)
        {
            return new Problem(target.Failure, target.Message);
        }
        var (image, collection) = target.Value;
        if (contentLength is null)
        {
            return Problem.Invalid("send the image with a Content-Length header: its size is checked against the quota before the upload is accepted");
        }
        // The session only holds the quota reservation while the bytes arrive in this request; its ID is never handed out.
        var admitted = await admission.OpenSessionAsync(who, image, collection, UploadKind.SinglePart, contentLength.Value, contentLength.Value, ct);
        if (!admitted.Succeeded)
        {
            return new Problem(admitted.Failure, admitted.Message);
        }
        var session = admitted.Value!;
        var stored = await receiver.ReceiveAndStoreAsync(session, body, contentLength.Value, 0, ct);
        if (!stored.Succeeded)
        {
            return new Problem(stored.Failure, stored.Message);
        }
        db.UploadSessions.Remove(session);
        return await publisher.MarkUploadedAsync(who, image, collection, ct);
    }
}
