using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using Microsoft.Extensions.Options;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Storage;

/// <summary>
/// Blobs as objects <c>&lt;prefix&gt;blobs/sha256/ab/&lt;hex&gt;</c> in an S3-compatible bucket. Clients download
/// through presigned URLs. The bucket's client is shared with the upload staging area
/// (<see cref="Uploads.Staging.S3StagingArea"/>), which keeps uploads in progress under <c>&lt;prefix&gt;uploads/</c>.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDirectDownloads, IBlobReader, IDisposable
{
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

    internal AmazonS3Client Client => s3;

    internal string Bucket => options.Bucket;

    internal string KeyPrefix => options.KeyPrefix;

    internal Protocol PresignProtocol => presignProtocol;

    internal TransferCounters Counters => counters;

    public async Task EnsureBucketAsync(CancellationToken ct = default)
    {
        if (options.CreateBucket && !await Amazon.S3.Util.AmazonS3Util.DoesS3BucketExistV2Async(s3, options.Bucket))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket }, ct);
        }
    }

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

    public void Dispose() => s3.Dispose();

    internal async Task<long?> SizeOfAsync(string key, CancellationToken ct)
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

    internal async IAsyncEnumerable<S3Object> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
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

    internal string BlobKey(string sha256Hex)
    {
        if (!NameRules.IsSha256Hex(sha256Hex))
        {
            throw new ArgumentException("not a sha256 hex digest", nameof(sha256Hex));
        }
        return $"{options.KeyPrefix}blobs/sha256/{sha256Hex[..2]}/{sha256Hex}";
    }
}
