using System.Security.Cryptography;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Sif;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>
/// Uploads as files <c>uploads/&lt;session&gt;.upload</c> in the data folder, written while being hashed as the bytes
/// come through this app. The staging of the folder store, and of every store for the one-request upload.
/// </summary>
public sealed class FolderStaging(DataFolder folder, IBlobStore blobs, PartList partList, MultipartHashes carriers) : IUploadStaging
{
    public Problem? RefuseSingle(long fileSize) => null;

    public Outcome<long> PartSizeFor(long fileSize, long configuredPartSize) => configuredPartSize;

    public Task<Problem?> OpenAsync(UploadSession session, CancellationToken ct)
    {
        if (session.Kind != UploadKind.Multipart)
        {
            return Task.FromResult<Problem?>(null);
        }
        try
        {
            // Created and reserved up front: parts are written at their offsets, and a full disk is refused now, not at part 37.
            using (File.OpenHandle(PathOf(session.Id), FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, session.ExpectedSize))
            {
            }
        }
        catch (IOException e) when (DiskFull(e, session.ExpectedSize))
        {
            return Task.FromResult<Problem?>(Problem.StorageFull());
        }
        return Task.FromResult<Problem?>(null);
    }

    public string? DirectSingleUrl(UploadSession session, TimeSpan lifetime) => null;

    public string? DirectPartUrl(UploadSession session, int partNumber, TimeSpan lifetime) => null;

    /// <summary>
    /// Writes a whole file into a new session file, feeding <paramref name="hashes"/>. <paramref name="reserve"/> bytes are
    /// allocated first (0: none), so a full disk is an answer before the body is read. A body over
    /// <paramref name="maxBytes"/> or a full disk is a problem; anything else (a client gone) is thrown.
    /// </summary>
    public Task<Outcome<long>> ReceiveWholeAsync(string sessionId, Stream body, long maxBytes, long reserve, IReadOnlyList<IncrementalHash> hashes,
        CancellationToken ct) => ReceiveAsync(sessionId, FileMode.Create, body, 0, maxBytes, reserve, hashes, ct);

    /// <summary>Writes a part at its offset into the file the multipart start reserved; problems as <see cref="ReceiveWholeAsync"/>.</summary>
    public Task<Outcome<long>> ReceivePartAsync(string sessionId, Stream body, long offset, long maxBytes, IReadOnlyList<IncrementalHash> hashes,
        CancellationToken ct) => ReceiveAsync(sessionId, FileMode.OpenOrCreate, body, offset, maxBytes, 0, hashes, ct);

    private async Task<Outcome<long>> ReceiveAsync(string sessionId, FileMode mode, Stream body, long offset, long maxBytes, long reserve,
        IReadOnlyList<IncrementalHash> hashes, CancellationToken ct)
    {
        try
        {
            using var file = File.OpenHandle(PathOf(sessionId), mode, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, reserve);
            return await HashingWriter.CopyAsync(body, file, offset, maxBytes, hashes, ct);
        }
        catch (HashingWriter.TooLargeException e)
        {
            return Problem.Invalid(e.Message);
        }
        catch (IOException e) when (DiskFull(e, reserve))
        {
            return Problem.StorageFull();
        }
    }

    public Task<long?> LandSingleAsync(UploadSession session, CancellationToken ct) => Task.FromResult<long?>(null);

    public async Task<Outcome<long?>> LandPartsAsync(UploadSession session, IReadOnlyCollection<(int PartNumber, string Token)> completedParts,
        CancellationToken ct)
    {
        if (await partList.CheckReceivedAsync(session, completedParts, ct) is { } problem)
        {
            return problem;
        }
        // The parts were written at their offsets, so the file is the whole upload already.
        return new FileInfo(PathOf(session.Id)).Length;
    }

    public async Task<StagedBytes> ReadBackAsync(UploadSession session, long size, string? hashedOnArrival, CancellationToken ct)
    {
        var path = PathOf(session.Id);
        var sha = hashedOnArrival ?? carriers.TryFinish(session.Id, session.TotalParts) ?? await HashingWriter.HashFileAsync(path, ct);
        return new FileBytes(path, size, sha, blobs);
    }

    public Task ReleaseAsync(UploadSession session, CancellationToken ct)
    {
        carriers.Forget(session.Id);
        TryDelete(PathOf(session.Id));
        return Task.CompletedTask;
    }

    public Task<int> SweepAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct)
    {
        var orphans = 0;
        foreach (var file in Directory.EnumerateFiles(folder.Uploads, "*.upload"))
        {
            if (!liveSessions.Contains(Path.GetFileNameWithoutExtension(file)) && File.GetLastWriteTimeUtc(file) < cutoff.UtcDateTime)
            {
                TryDelete(file);
                orphans++;
            }
        }
        return Task.FromResult(orphans);
    }

    private string PathOf(string sessionId) => Path.Combine(folder.Uploads, sessionId + ".upload");

    /// <summary>
    /// ENOSPC (28) or EDQUOT (122): the disk, not the request, is the problem. A failed preallocation carries
    /// no errno, so for those the file system is asked whether the reserved size would have fitted.
    /// </summary>
    private bool DiskFull(IOException e, long reserved) =>
        StorageFaults.Classify(e) == StorageFault.Full || (reserved > 0 && FreeBytes() < reserved);

    private long FreeBytes()
    {
        try
        {
            return new DriveInfo(folder.Uploads).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return long.MaxValue;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Housekeeping removes it later.
        }
    }

    /// <summary>A received file: checked where it lies, then moved (renamed) into the blob store.</summary>
    private sealed class FileBytes(string path, long size, string sha256Hex, IBlobStore blobs) : StagedBytes(size, sha256Hex)
    {
        public override SifInfo Inspect() => SifInspector.InspectFile(path);

        public override (SifContents? Contents, string? Error) ReadContents()
        {
            using var file = File.OpenHandle(path);
            return SifContentsReader.Read(SifSource.FromFile(file));
        }

        public override Task PublishAsync(CancellationToken ct) => blobs.PublishAsync(path, Sha256Hex, ct);
    }
}
