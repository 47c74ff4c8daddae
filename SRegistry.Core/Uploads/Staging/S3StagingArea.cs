using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>
/// The upload staging area in the S3 bucket, <c>&lt;prefix&gt;uploads/&lt;session&gt;</c>: the store calls an upload
/// needs (presigned PUTs sized by signature, the store's multipart uploads, reading an object back, the conditional copy
/// that makes it a blob, the sweep), and nothing of the protocol's rules, which are in <see cref="ObjectStoreStaging"/>.
/// </summary>
public sealed class S3StagingArea(S3BlobStore bucket)
{
    private const long FiveGiB = 5L * 1024 * 1024 * 1024;

    /// <summary>Objects up to this size are copied in one request; S3 allows 5 GiB. Lowered by tests to reach the multipart copy.</summary>
    internal long SingleCopyLimit { get; init; } = FiveGiB;

    /// <summary>Part size of a multipart copy.</summary>
    internal long CopyPartBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Largest object one PUT may create (S3: 5 GiB); bigger images need a multipart upload.</summary>
    public const long MaxSinglePutBytes = FiveGiB;

    /// <summary>Most parts one multipart upload may have (S3: 10,000).</summary>
    public const int MaxParts = 10_000;

    /// <summary>Smallest size of every part but the last (S3: 5 MiB).</summary>
    public const long MinPartBytes = 5L * 1024 * 1024;

    /// <summary>
    /// The URL a single-part upload sends the whole file to, for exactly <paramref name="size"/> bytes. With a store
    /// upload ID it is part 1 of that multipart upload, so it stops working once the upload is completed or aborted.
    /// </summary>
    public string PresignSingleUpload(string sessionId, string? storeUploadId, long size, TimeSpan lifetime) =>
        storeUploadId is null
            ? bucket.Client.GetPreSignedURL(SizedPut(new GetPreSignedUrlRequest
            {
                BucketName = bucket.Bucket,
                Key = StagingKey(sessionId),
                Verb = HttpVerb.PUT,
                Protocol = bucket.PresignProtocol,
                Expires = DateTime.UtcNow + lifetime,
            }, size))
            : PresignPart(sessionId, storeUploadId, 1, size, lifetime);

    /// <summary>Starts the store's multipart upload for a session; returns the store's upload ID.</summary>
    public async Task<string> StartMultipartAsync(string sessionId, CancellationToken ct = default)
    {
        var started = await bucket.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = bucket.Bucket,
            Key = StagingKey(sessionId),
            ContentType = "application/octet-stream",
        }, ct);
        return started.UploadId;
    }

    /// <summary>A part's upload URL, signed for exactly <paramref name="partSize"/> bytes.</summary>
    public string PresignPart(string sessionId, string storeUploadId, int partNumber, long partSize, TimeSpan lifetime) =>
        bucket.Client.GetPreSignedURL(SizedPut(new GetPreSignedUrlRequest
        {
            BucketName = bucket.Bucket,
            Key = StagingKey(sessionId),
            Verb = HttpVerb.PUT,
            Protocol = bucket.PresignProtocol,
            UploadId = storeUploadId,
            PartNumber = partNumber,
            Expires = DateTime.UtcNow + lifetime,
        }, partSize));

    /// <summary>Content-Length becomes a signed header: the store refuses a body of any other size.</summary>
    private static GetPreSignedUrlRequest SizedPut(GetPreSignedUrlRequest request, long size)
    {
        request.Headers.ContentLength = size;
        return request;
    }

    /// <summary>The parts received so far; null when the store no longer knows the upload (completed or aborted).</summary>
    public async Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string sessionId, string storeUploadId, CancellationToken ct = default)
    {
        var parts = new List<StoredPart>();
        var request = new ListPartsRequest { BucketName = bucket.Bucket, Key = StagingKey(sessionId), UploadId = storeUploadId };
        try
        {
            while (true)
            {
                var page = await bucket.Client.ListPartsAsync(request, ct);
                parts.AddRange((page.Parts ?? []).Select(p => new StoredPart(p.PartNumber ?? 0, p.Size ?? 0, p.ETag)));
                if (page.IsTruncated != true)
                {
                    return parts;
                }
                request.PartNumberMarker = page.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task CompleteMultipartAsync(string sessionId, string storeUploadId, IReadOnlyList<StoredPart> parts, CancellationToken ct = default) =>
        await bucket.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket.Bucket,
            Key = StagingKey(sessionId),
            UploadId = storeUploadId,
            PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, p.ETag))],
        }, ct);

    public async Task AbortMultipartAsync(string sessionId, string storeUploadId, CancellationToken ct = default)
    {
        try
        {
            await bucket.Client.AbortMultipartUploadAsync(bucket.Bucket, StagingKey(sessionId), storeUploadId, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Already completed or aborted.
        }
    }

    /// <summary>Size of the session's staged object, or null when nothing was uploaded.</summary>
    public Task<long?> StagedSizeAsync(string sessionId, CancellationToken ct = default) => bucket.SizeOfAsync(StagingKey(sessionId), ct);

    /// <summary>
    /// Reads the staged object once, hashing it and keeping its first <paramref name="headBytes"/> bytes; every byte
    /// read is also shown, in order, to <paramref name="observe"/> (the SIF contents reader's digests).
    /// </summary>
    public async Task<StagedContent> ReadStagedAsync(string sessionId, int headBytes, Action<ReadOnlyMemory<byte>>? observe = null,
        CancellationToken ct = default)
    {
        using var response = await bucket.Client.GetObjectAsync(bucket.Bucket, StagingKey(sessionId), ct);
        await using var body = response.ResponseStream;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new byte[headBytes];
        var headFilled = 0;
        long total = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                observe?.Invoke(buffer.AsMemory(0, read));
                if (headFilled < headBytes)
                {
                    var take = Math.Min(read, headBytes - headFilled);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headFilled));
                    headFilled += take;
                }
                total += read;
                bucket.Counters.ReadBack(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new StagedContent(total, Convert.ToHexStringLower(sha.GetHashAndReset()), headFilled == headBytes ? head : head[..headFilled],
            response.ETag);
    }

    /// <summary>
    /// Turns the verified staged object into the blob (a copy inside the store, on condition that the object still has
    /// the ETag it was verified with) and removes the staging object. Throws <see cref="StagedObjectChangedException"/>
    /// when it does not.
    /// </summary>
    public async Task PublishStagedAsync(string sessionId, StagedContent verified, CancellationToken ct = default)
    {
        var source = StagingKey(sessionId);
        var target = bucket.BlobKey(verified.Sha256Hex);
        // The same bytes stored already (another image shares them): content addressing makes copying pointless.
        if (await bucket.SizeOfAsync(target, ct) != verified.Size)
        {
            try
            {
                if (verified.Size <= SingleCopyLimit)
                {
                    await bucket.Client.CopyObjectAsync(new CopyObjectRequest
                    {
                        SourceBucket = bucket.Bucket,
                        SourceKey = source,
                        DestinationBucket = bucket.Bucket,
                        DestinationKey = target,
                        ETagToMatch = verified.ETag,
                    }, ct);
                }
                else
                {
                    await S3RangedCopy.CopyAsync(bucket.Client, bucket.Bucket, source, target, verified, CopyPartBytes, ct);
                }
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                throw new StagedObjectChangedException("the uploaded object was replaced after it was verified");
            }
        }
        await DeleteStagedAsync(sessionId, ct);
    }

    public async Task DeleteStagedAsync(string sessionId, CancellationToken ct = default) =>
        await bucket.Client.DeleteObjectAsync(bucket.Bucket, StagingKey(sessionId), ct);

    /// <summary>Removes staged objects and multipart uploads older than <paramref name="cutoff"/> whose session is gone.</summary>
    public async Task<int> SweepStagingAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct = default)
    {
        var removed = 0;
        var prefix = bucket.KeyPrefix + "uploads/";
        await foreach (var item in bucket.ListAsync(prefix, ct))
        {
            if (!liveSessions.Contains(item.Key[prefix.Length..]) && item.LastModified is { } modified && modified.ToUniversalTime() < cutoff.UtcDateTime)
            {
                await bucket.Client.DeleteObjectAsync(bucket.Bucket, item.Key, ct);
                removed++;
            }
        }
        var uploads = await bucket.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket.Bucket, Prefix = prefix }, ct);
        foreach (var upload in uploads.MultipartUploads ?? [])
        {
            if (!liveSessions.Contains(upload.Key[prefix.Length..]) && upload.Initiated is { } initiated && initiated.ToUniversalTime() < cutoff.UtcDateTime)
            {
                await bucket.Client.AbortMultipartUploadAsync(bucket.Bucket, upload.Key, upload.UploadId, ct);
                removed++;
            }
        }
        return removed;
    }


    private string StagingKey(string sessionId)
    {
        // Session IDs are server-made hex; anything else would be a bug, not input.
        if (sessionId.Length is 0 or > 64 || !sessionId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("not a session id", nameof(sessionId));
        }
        return $"{bucket.KeyPrefix}uploads/{sessionId}";
    }
}
