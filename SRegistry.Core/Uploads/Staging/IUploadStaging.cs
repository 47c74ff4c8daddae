using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>
/// Where an upload's bytes wait until they are verified and become a blob: the data folder, or the object store's
/// staging area that clients send to directly. Chosen once at start-up with the blob store; the protocol steps
/// (<see cref="SinglePartUploads"/>, <see cref="MultipartUploads"/>) ask it the same questions whichever it is.
/// </summary>
public interface IUploadStaging
{
    /// <summary>The store's own limit on one single-part upload; null when the size is fine.</summary>
    Problem? RefuseSingle(long fileSize);

    /// <summary>The part size to plan with, or why the store could not take a file this big in such parts.</summary>
    Outcome<long> PartSizeFor(long fileSize, long configuredPartSize);

    /// <summary>Prepares a new session's landing place (and records the store's upload ID on it); a problem ends the session.</summary>
    Task<Problem?> OpenAsync(UploadSession session, CancellationToken ct);

    /// <summary>
    /// The URL a client sends a single-part upload's file to, or null when the bytes come through this app
    /// (<see cref="FolderStaging.ReceiveWholeAsync"/>).
    /// </summary>
    string? DirectSingleUrl(UploadSession session, TimeSpan lifetime);

    /// <summary>A part's upload URL in the store, or null when parts come through this app.</summary>
    string? DirectPartUrl(UploadSession session, int partNumber, TimeSpan lifetime);

    /// <summary>
    /// At completion of a single-part upload not yet verified: makes its bytes the staged content and answers their
    /// size, or null when nothing landed (with the folder, bytes are verified as they arrive, so never).
    /// </summary>
    Task<long?> LandSingleAsync(UploadSession session, CancellationToken ct);

    /// <summary>
    /// At completion of a multipart upload: checks the received parts against the client's list and joins them into the
    /// staged content; answers its size (null: nothing landed) or what is wrong with the parts.
    /// </summary>
    Task<Outcome<long?>> LandPartsAsync(UploadSession session, IReadOnlyCollection<(int PartNumber, string Token)> completedParts,
        CancellationToken ct);

    /// <summary>
    /// Reads the landed content back once to verify it: size, SHA-256, and what the SIF checks need.
    /// <paramref name="hashedOnArrival"/> is the SHA-256 taken while the bytes came through this app, if they did.
    /// </summary>
    Task<StagedBytes> ReadBackAsync(UploadSession session, long size, string? hashedOnArrival, CancellationToken ct);

    /// <summary>Drops whatever bytes a session holds. Best effort: the sweep catches what fails here.</summary>
    Task ReleaseAsync(UploadSession session, CancellationToken ct);

    /// <summary>Removes staged bytes older than <paramref name="cutoff"/> that no live session owns; answers how many.</summary>
    Task<int> SweepAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct);
}
