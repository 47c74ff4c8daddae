using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using Microsoft.Extensions.Options;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Storage;

/// <summary>
/// Blobs as objects <c>&lt;prefix&gt;blobs/sha256/ab/&lt;hex&gt;</c> in an S3-compatible bucket; uploads in progress
/// as <c>&lt;prefix&gt;uploads/&lt;session&gt;</c>. Clients upload and download through presigned URLs.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDirectTransfers, IBlobReader, IDisposable
{
    private const long FiveGiB = 5L * 1024 * 1024 * 1024;

    private readonly AmazonS3Client s3;
    private readonly S3StoreOptions options;
    private readonly TransferCounters counters;
    private readonly Protocol presignProtocol;

    public S3BlobStore(IOptions<BlobStoreOptions> configured, TransferCounters counters)
    {
        options = configured.Value.S3;
        this.counters = counters;
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            throw new InvalidOperationException("BlobStore:Kind is S3 but BlobStore:S3:Bucket is empty");
        }
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Newer checksum headers and chunked trailers are refused by older S3-compatible stores (radosgw 16 answers 400).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        presignProtocol = options.ServiceUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS;
        s3 = string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        s3.BeforeRequestEvent += AlsoSendRadosgwCopyCondition;
    }

    /// <summary>
    /// radosgw reads a copy's ETag condition from <c>x-amz-copy-if-match</c> and ignores the standard
    /// <c>x-amz-copy-source-if-match</c>; sending both makes the conditional copy hold on either store.
    /// </summary>
    private static void AlsoSendRadosgwCopyCondition(object sender, RequestEventArgs e)
    {
        if (e is WebServiceRequestEventArgs request && request.Headers.TryGetValue("x-amz-copy-source-if-match", out var etag))
        {
            request.Headers["x-amz-copy-if-match"] = etag;
        }
    }

    /// <summary>Objects up to this size are copied in one request; S3 allows 5 GiB. Lowered by tests to reach the multipart copy.</summary>
    internal long SingleCopyLimit { get; init; } = FiveGiB;

    /// <summary>Part size of a multipart copy.</summary>
    internal long CopyPartBytes { get; init; } = 1024L * 1024 * 1024;

    public long MaxSinglePutBytes => FiveGiB;

    public int MaxParts => 10_000;

    public long MinPartBytes => 5L * 1024 * 1024;

    public async Task EnsureBucketAsync(CancellationToken ct = default)
    {
        if (options.CreateBucket && !await Amazon.S3.Util.AmazonS3Util.DoesS3BucketExistV2Async(s3, options.Bucket))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket }, ct);
        }
    }

    // ---- blobs ----

    public async Task<bool> ExistsAsync(string sha256Hex, CancellationToken ct = default) => await SizeOfAsync(BlobKey(sha256Hex), ct) is not null;

    public Task<long?> GetSizeAsync(string sha256Hex, CancellationToken ct = default) => SizeOfAsync(BlobKey(sha256Hex), ct);

    public string? GetLocalPath(string sha256Hex) => null;

    public async Task<Stream?> OpenReadAsync(string sha256Hex, CancellationToken ct = default)
    {
        try
        {
            var response = await s3.GetObjectAsync(options.Bucket, BlobKey(sha256Hex), ct);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task PublishAsync(string verifiedFilePath, string sha256Hex, CancellationToken ct = default)
    {
        // Bytes that came through the app (the legacy one-request upload): send the file up, then drop it.
        if (!await ExistsAsync(sha256Hex, ct))
        {
            using var transfer = new TransferUtility(s3);
            await transfer.UploadAsync(new TransferUtilityUploadRequest
            {
                BucketName = options.Bucket,
                Key = BlobKey(sha256Hex),
                FilePath = verifiedFilePath,
                ContentType = "application/octet-stream",
            }, ct);
        }
        File.Delete(verifiedFilePath);
    }

    public async Task DeleteAsync(string sha256Hex, CancellationToken ct = default) =>
        await s3.DeleteObjectAsync(options.Bucket, BlobKey(sha256Hex), ct);

    public async IAsyncEnumerable<string> ListHashesAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var item in ListAsync(options.KeyPrefix + "blobs/sha256/", ct))
        {
            var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
            if (NameRules.IsSha256Hex(name))
            {
                yield return name;
            }
        }
    }

    public string PresignDownload(string sha256Hex, TimeSpan lifetime) =>
        s3.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = options.Bucket,
            Key = BlobKey(sha256Hex),
            Verb = HttpVerb.GET,
            Protocol = presignProtocol,
            Expires = DateTime.UtcNow + lifetime,
        });

    // ---- uploads ----

    public string PresignSingleUpload(string sessionId, string? storeUploadId, long size, TimeSpan lifetime) =>
        storeUploadId is null
            ? s3.GetPreSignedURL(SizedPut(new GetPreSignedUrlRequest
            {
                BucketName = options.Bucket,
                Key = StagingKey(sessionId),
                Verb = HttpVerb.PUT,
                Protocol = presignProtocol,
                Expires = DateTime.UtcNow + lifetime,
            }, size))
            : PresignPart(sessionId, storeUploadId, 1, size, lifetime);

    public async Task<string> StartMultipartAsync(string sessionId, CancellationToken ct = default)
    {
        var started = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = options.Bucket,
            Key = StagingKey(sessionId),
            ContentType = "application/octet-stream",
        }, ct);
        return started.UploadId;
    }

    public string PresignPart(string sessionId, string storeUploadId, int partNumber, long partSize, TimeSpan lifetime) =>
        s3.GetPreSignedURL(SizedPut(new GetPreSignedUrlRequest
        {
            BucketName = options.Bucket,
            Key = StagingKey(sessionId),
            Verb = HttpVerb.PUT,
            Protocol = presignProtocol,
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

    public async Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string sessionId, string storeUploadId, CancellationToken ct = default)
    {
        var parts = new List<StoredPart>();
        var request = new ListPartsRequest { BucketName = options.Bucket, Key = StagingKey(sessionId), UploadId = storeUploadId };
        try
        {
            while (true)
            {
                var page = await s3.ListPartsAsync(request, ct);
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
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = options.Bucket,
            Key = StagingKey(sessionId),
            UploadId = storeUploadId,
            PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, p.ETag))],
        }, ct);

    public async Task AbortMultipartAsync(string sessionId, string storeUploadId, CancellationToken ct = default)
    {
        try
        {
            await s3.AbortMultipartUploadAsync(options.Bucket, StagingKey(sessionId), storeUploadId, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Already completed or aborted.
        }
    }

    public Task<long?> StagedSizeAsync(string sessionId, CancellationToken ct = default) => SizeOfAsync(StagingKey(sessionId), ct);

    public async Task<StagedContent> ReadStagedAsync(string sessionId, int headBytes, Action<ReadOnlyMemory<byte>>? observe = null,
        CancellationToken ct = default)
    {
        using var response = await s3.GetObjectAsync(options.Bucket, StagingKey(sessionId), ct);
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
                counters.ReadBack(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new StagedContent(total, Convert.ToHexStringLower(sha.GetHashAndReset()), headFilled == headBytes ? head : head[..headFilled],
            response.ETag);
    }

    public async Task PublishStagedAsync(string sessionId, StagedContent verified, CancellationToken ct = default)
    {
        var source = StagingKey(sessionId);
        var target = BlobKey(verified.Sha256Hex);
        // The same bytes stored already (another image shares them): content addressing makes copying pointless.
        if (await SizeOfAsync(target, ct) != verified.Size)
        {
            try
            {
                if (verified.Size <= SingleCopyLimit)
                {
                    await s3.CopyObjectAsync(new CopyObjectRequest
                    {
                        SourceBucket = options.Bucket,
                        SourceKey = source,
                        DestinationBucket = options.Bucket,
                        DestinationKey = target,
                        ETagToMatch = verified.ETag,
                    }, ct);
                }
                else
                {
                    await CopyInPartsAsync(source, target, verified, ct);
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
        await s3.DeleteObjectAsync(options.Bucket, StagingKey(sessionId), ct);

    public async Task<int> SweepStagingAsync(IReadOnlySet<string> liveSessions, DateTimeOffset cutoff, CancellationToken ct = default)
    {
        var removed = 0;
        var prefix = options.KeyPrefix + "uploads/";
        await foreach (var item in ListAsync(prefix, ct))
        {
            if (!liveSessions.Contains(item.Key[prefix.Length..]) && item.LastModified is { } modified && modified.ToUniversalTime() < cutoff.UtcDateTime)
            {
                await s3.DeleteObjectAsync(options.Bucket, item.Key, ct);
                removed++;
            }
        }
        var uploads = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = options.Bucket, Prefix = prefix }, ct);
        foreach (var upload in uploads.MultipartUploads ?? [])
        {
            if (!liveSessions.Contains(upload.Key[prefix.Length..]) && upload.Initiated is { } initiated && initiated.ToUniversalTime() < cutoff.UtcDateTime)
            {
                await s3.AbortMultipartUploadAsync(options.Bucket, upload.Key, upload.UploadId, ct);
                removed++;
            }
        }
        return removed;
    }

    public void Dispose() => s3.Dispose();

    // ---- helpers ----

    /// <summary>Objects over 5 GiB cannot be copied in one request: copy them range by range into a multipart upload.</summary>
    private async Task CopyInPartsAsync(string source, string target, StagedContent verified, CancellationToken ct)
    {
        var size = verified.Size;
        var started = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = options.Bucket,
            Key = target,
            ContentType = "application/octet-stream",
        }, ct);
        try
        {
            var parts = new List<PartETag>();
            for (long first = 0, number = 1; first < size; first += CopyPartBytes, number++)
            {
                var copied = await s3.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = options.Bucket,
                    SourceKey = source,
                    DestinationBucket = options.Bucket,
                    DestinationKey = target,
                    UploadId = started.UploadId,
                    PartNumber = (int)number,
                    FirstByte = first,
                    LastByte = Math.Min(first + CopyPartBytes, size) - 1,
                    ETagToMatch = [verified.ETag],
                }, ct);
                parts.Add(new PartETag((int)number, copied.ETag));
            }
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = options.Bucket,
                Key = target,
                UploadId = started.UploadId,
                PartETags = parts,
            }, ct);
        }
        catch
        {
            await s3.AbortMultipartUploadAsync(options.Bucket, target, started.UploadId, CancellationToken.None);
            throw;
        }
    }

    private async Task<long?> SizeOfAsync(string key, CancellationToken ct)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(options.Bucket, key, ct);
            return head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async IAsyncEnumerable<S3Object> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = options.Bucket, Prefix = prefix };
        while (true)
        {
            var page = await s3.ListObjectsV2Async(request, ct);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item;
            }
            if (page.IsTruncated != true)
            {
                yield break;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private string BlobKey(string sha256Hex)
    {
        if (!NameRules.IsSha256Hex(sha256Hex))
        {
            throw new ArgumentException("not a sha256 hex digest", nameof(sha256Hex));
        }
        return $"{options.KeyPrefix}blobs/sha256/{sha256Hex[..2]}/{sha256Hex}";
    }

    private string StagingKey(string sessionId)
    {
        // Session IDs are server-made hex; anything else would be a bug, not input.
        if (sessionId.Length is 0 or > 64 || !sessionId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("not a session id", nameof(sessionId));
        }
        return $"{options.KeyPrefix}uploads/{sessionId}";
    }
}
