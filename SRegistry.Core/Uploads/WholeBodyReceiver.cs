using System.Security.Cryptography;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;

namespace SRegistry.Core.Uploads;

/// <summary>
/// A whole image that comes through this app in one request (a single-part upload URL, or the one-request upload):
/// written to the folder while hashed, then verified and stored at once. Any failure fails the session, so it leaves
/// nothing behind: the client never sends to the same URL again.
/// </summary>
public sealed class WholeBodyReceiver(PushAdmission admission, FolderStaging folder, ImagePublisher publisher, TransferCounters counters)
{
    /// <summary>Answers the size received; <paramref name="reserve"/> bytes are claimed on disk before the first byte is read.</summary>
    public async Task<Outcome<long>> ReceiveAndStoreAsync(UploadSession session, Stream body, long size, long reserve, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Outcome<long> received;
        try
        {
            received = await folder.ReceiveWholeAsync(session.Id, body, size, reserve, [sha], ct);
        }
        catch
        {
            // A client that goes away mid-upload.
            await admission.FailAsync(session, default);
            throw;
        }
        if (!received.Succeeded)
        {
            return await admission.FailAsync(session, new Problem(received.Failure, received.Message));
        }
        counters.Received(received.Value);
        var stored = await publisher.VerifyAndStoreAsync(session, folder, received.Value, Convert.ToHexStringLower(sha.GetHashAndReset()), ct);
        return stored.Succeeded ? received.Value : await admission.FailAsync(session, new Problem(stored.Failure, stored.Message));
    }
}
