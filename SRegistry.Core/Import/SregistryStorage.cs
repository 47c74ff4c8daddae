using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.WebUtilities;

namespace SRegistry.Core.Import;

/// <summary>
/// Where an sregistry keeps image bytes (storage.md): datafiles at <c>folder + api_imagefile.datafile</c>, bucket
/// objects either in an export of the bucket (<c>folder/minio/&lt;bucket&gt;/&lt;key&gt;</c>) or, with
/// <c>s3://bucket?endpoint=…</c>, read through the S3 API. Several locations may be given; the first that has it wins.
/// </summary>
public sealed class SregistryStorage : IDisposable
{
    private readonly List<string> folders = [];
    private readonly List<(AmazonS3Client Client, string Bucket)> buckets = [];

    /// <summary>A folder, or <c>s3://bucket?endpoint=URL[&amp;accessKey=…&amp;secretKey=…&amp;region=…]</c> (keys default to AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).</summary>
    public void Add(string location)
    {
        if (!location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Directory.Exists(location))
            {
                throw new ArgumentException($"--storage {location}: no such folder");
            }
            folders.Add(Path.GetFullPath(location));
            return;
        }
        var uri = new Uri(location);
        var query = QueryHelpers.ParseQuery(uri.Query);
        string? Get(string key) => query.TryGetValue(key, out var v) ? v.ToString() : null;
        var endpoint = Get("endpoint") ?? throw new ArgumentException($"--storage {location}: add ?endpoint=http://host:port");
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = Get("region") ?? "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var access = Get("accessKey") ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "";
        var secret = Get("secretKey") ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "";
        buckets.Add((new AmazonS3Client(new BasicAWSCredentials(access, secret), config), uri.Host));
    }

    /// <summary>The tag's bytes, or null when no location has them.</summary>
    public async Task<Stream?> OpenAsync(SrTag tag, string collection, CancellationToken ct)
    {
        if (tag.Datafile is { Length: > 0 } datafile)
        {
            var relative = datafile.TrimStart('/');
            return folders.Select(f => Path.Combine(f, relative)).Where(File.Exists).Select(p => (Stream)File.OpenRead(p)).FirstOrDefault();
        }
        if (tag.Datafile is not null)
        {
            return null;
        }
        var key = tag.ObjectKey(collection);
        foreach (var folder in folders)
        {
            foreach (var bucketFolder in Directory.Exists(Path.Combine(folder, "minio")) ? Directory.GetDirectories(Path.Combine(folder, "minio")) : [])
            {
                var path = Path.Combine(bucketFolder, key);
                if (File.Exists(path))
                {
                    return File.OpenRead(path);
                }
            }
        }
        foreach (var (client, bucket) in buckets)
        {
            try
            {
                return (await client.GetObjectAsync(bucket, key, ct)).ResponseStream;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Try the next location.
            }
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var (client, _) in buckets)
        {
            client.Dispose();
        }
    }
}
