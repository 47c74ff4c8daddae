using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace SRegistry.Tests.Infrastructure;

/// <summary>Direct access to the test pass's S3 store: what the registry left in a bucket, and removing the bucket afterwards.</summary>
public static class S3Buckets
{
    public static AmazonS3Client Client() => new(new BasicAWSCredentials(TestBackends.S3AccessKey, TestBackends.S3SecretKey), new AmazonS3Config
    {
        ServiceURL = TestBackends.S3Url,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public static async Task<List<string>> KeysAsync(string bucket, string prefix = "")
    {
        using var s3 = Client();
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    public static async Task<int> OpenMultipartUploadsAsync(string bucket)
    {
        using var s3 = Client();
        var open = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return open.MultipartUploads?.Count ?? 0;
    }

    public static async Task DeleteAsync(string bucket)
    {
        using var s3 = Client();
        try
        {
            var open = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            foreach (var upload in open.MultipartUploads ?? [])
            {
                await s3.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId);
            }
            foreach (var key in await KeysAsync(bucket))
            {
                await s3.DeleteObjectAsync(bucket, key);
            }
            await s3.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Never created: the server did not start.
        }
    }
}
