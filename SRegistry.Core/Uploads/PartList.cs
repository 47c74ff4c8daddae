using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Uploads;

/// <summary>
/// The parts of a multipart upload: the size each must have, the parts received through this app with the token each
/// was answered with, and the checks of a completion's part list.
/// </summary>
public sealed class PartList(RegistryDbContext db, TimeProvider clock)
{
    /// <summary>The exact size of a part: the part size, except for the last part.</summary>
    public static long ExpectedPartSize(UploadSession session, int partNumber) =>
        Math.Min(session.PartSize, session.ExpectedSize - ((partNumber - 1) * session.PartSize));

    /// <summary>Records a part received through this app; answers the token (ETag) the client echoes back at completion.</summary>
    public async Task<string> RecordAsync(UploadSession session, int partNumber, long size, string sha256Hex, CancellationToken ct)
    {
        var part = await db.UploadParts.FirstOrDefaultAsync(p => p.SessionId == session.Id && p.PartNumber == partNumber, ct);
        if (part is null)
        {
            part = new UploadPart { SessionId = session.Id, PartNumber = partNumber, Sha256 = sha256Hex };
            db.UploadParts.Add(part);
        }
        part.Size = size;
        part.Sha256 = sha256Hex;
        part.ReceivedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return Token(session.Id, partNumber, part.ReceivedAt);
    }

    /// <summary>Checks the parts received through this app against the completion's list: all there, each listed once, none replaced since.</summary>
    public async Task<Problem?> CheckReceivedAsync(UploadSession session, IReadOnlyCollection<(int PartNumber, string Token)> completedParts,
        CancellationToken ct)
    {
        var parts = await db.UploadParts.AsNoTracking().Where(p => p.SessionId == session.Id).OrderBy(p => p.PartNumber).ToListAsync(ct);
        if ((Missing(session, parts.Select(p => p.PartNumber)) ?? ListedOnce(session, completedParts)) is { } problem)
        {
            return problem;
        }
        foreach (var (number, token) in completedParts)
        {
            if (!string.IsNullOrEmpty(token) && token != Token(session.Id, number, parts[number - 1].ReceivedAt))
            {
                return Replaced(number);
            }
        }
        return null;
    }

    /// <summary>Parts 1..TotalParts that are not among <paramref name="received"/>, as a problem; null when none is missing.</summary>
    public static Problem? Missing(UploadSession session, IEnumerable<int> received)
    {
        var missing = Enumerable.Range(1, session.TotalParts).Except(received).ToList();
        return missing.Count > 0
            ? Problem.Invalid($"parts missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}")
            : null;
    }

    /// <summary>A completion must list each part once.</summary>
    public static Problem? ListedOnce(UploadSession session, IReadOnlyCollection<(int PartNumber, string Token)> completedParts) =>
        completedParts.Select(p => p.PartNumber).Order().SequenceEqual(Enumerable.Range(1, session.TotalParts))
            ? null
            : Problem.Invalid($"completedParts must list each part 1..{session.TotalParts} once");

    public static Problem Replaced(int partNumber) => Problem.Invalid($"part {partNumber} was replaced after its token was issued; upload it again");

    /// <summary>Changes whenever the part is received again, so a completion listing a stale token is caught.</summary>
    private static string Token(string sessionId, int partNumber, DateTimeOffset receivedAt) =>
        $"\"{sessionId[..8]}-{partNumber}-{receivedAt.ToUnixTimeMilliseconds():x}\"";
}
