using Amazon.S3;
using Amazon.S3.Model;

namespace SRegistry.Core.Uploads.Staging;

/// <summary>A copy inside the bucket of an object too large for one copy request, conditional on the verified ETag.</summary>
internal static class S3RangedCopy
{
    /// <summary>Objects over 5 GiB cannot be copied in one request: copy them range by range into a multipart upload.</summary>
    public static async Task CopyAsync(IAmazonS3 s3, string bucketName, string source, string target, StagedContent verified, long partBytes,
        CancellationToken ct)
    {
        var size = verified.Size;
        var started = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = bucketName,
            Key = target,
            ContentType = "application/octet-stream",
        }, ct);
        try
        {
            var parts = new List<PartETag>();
            for (long first = 0, number = 1; first < size; first += partBytes, number++)
            {
                var copied = await s3.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = bucketName,
                    SourceKey = source,
                    DestinationBucket = bucketName,
                    DestinationKey = target,
                    UploadId = started.UploadId,
                    PartNumber = (int)number,
                    FirstByte = first,
                    LastByte = Math.Min(first + partBytes, size) - 1,
                    ETagToMatch = [verified.ETag],
                }, ct);
                parts.Add(new PartETag((int)number, copied.ETag));
            }
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucketName,
                Key = target,
                UploadId = started.UploadId,
                PartETags = parts,
            }, ct);
        }
        catch
        {
            await s3.AbortMultipartUploadAsync(bucketName, target, started.UploadId, CancellationToken.None);
            throw;
        }
    }
}
