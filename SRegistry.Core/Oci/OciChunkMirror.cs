using System.Globalization;
using Amazon.S3.Model;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Oci;

/// <summary>
/// With the S3 store, replicas share no disk, and an OCI upload's chunks may reach any of them. Each chunk is therefore
/// also kept in the bucket (<c>uploads/oci-&lt;id&gt;/&lt;offset&gt;</c>), and the replica that completes the upload
/// gathers them when it did not receive them all itself. With the folder store there is one process and nothing to do.
/// Chunks of uploads that never complete are removed by the staging area's sweep of <c>uploads/</c>.
/// </summary>
public sealed class OciChunkMirror(IBlobStore store)
{
    private S3BlobStore? Bucket => store as S3BlobStore;

    public bool Enabled => Bucket is not null;

    /// <summary>Keeps the chunk just written at <paramref name="offset"/> of the local staging file.</summary>
    public async Task KeepAsync(string uploadId, string localFile, long offset, long length, CancellationToken ct)
    {
        if (Bucket is not { } bucket || length == 0)
        {
            return;
        }
        await using var source = new FileStream(localFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        await using var window = new FileWindow(source, offset, length) { Position = 0 };
        await bucket.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket.Bucket,
            Key = KeyOf(bucket, uploadId, offset),
            InputStream = window,
            AutoCloseStream = false,
            Headers = { ContentLength = length },
        }, ct);
    }

    /// <summary>
    /// Writes every kept chunk at its offset into <paramref name="target"/> (bytes after <paramref name="size"/> are
    /// left as they are); false when the chunks do not cover exactly the first <paramref name="size"/> bytes.
    /// </summary>
    public async Task<bool> GatherAsync(string uploadId, string target, long size, CancellationToken ct)
    {
        var bucket = Bucket!;
        var prefix = PrefixOf(bucket, uploadId);
        var chunks = new List<(long Offset, string Key)>();
        await foreach (var item in bucket.ListAsync(prefix, ct))
        {
            if (long.TryParse(item.Key[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                chunks.Add((offset, item.Key));
            }
        }
        await using var output = new FileStream(target, FileMode.OpenOrCreate, FileAccess.Write);
        long covered = 0;
        foreach (var (offset, key) in chunks.OrderBy(c => c.Offset))
        {
            if (offset != covered)
            {
                return false;
            }
            output.Position = offset;
            using var response = await bucket.Client.GetObjectAsync(bucket.Bucket, key, ct);
            await response.ResponseStream.CopyToAsync(output, ct);
            covered = output.Position;
        }
        return covered == size;
    }

    public async Task DropAsync(string uploadId, CancellationToken ct)
    {
        if (Bucket is not { } bucket)
        {
            return;
        }
        await foreach (var item in bucket.ListAsync(PrefixOf(bucket, uploadId), ct))
        {
            await bucket.Client.DeleteObjectAsync(bucket.Bucket, item.Key, ct);
        }
    }

    private static string PrefixOf(S3BlobStore bucket, string uploadId) => $"{bucket.KeyPrefix}uploads/oci-{uploadId}/";

    // Fixed width, so the bucket lists chunks in offset order too.
    private static string KeyOf(S3BlobStore bucket, string uploadId, long offset) =>
        PrefixOf(bucket, uploadId) + offset.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// A seekable window of a file, <c>[start, start + length)</c>: a request body of exactly the chunk, which the S3
    /// client can read twice (once to sign it, once to send it).
    /// </summary>
    private sealed class FileWindow(FileStream file, long start, long length) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => file.Position - start;
            set => file.Position = start + Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, Limit(count));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            file.ReadAsync(buffer, offset, Limit(count), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            file.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken);

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => length + offset };
            return Position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Limit(int count) => (int)Math.Min(count, Math.Max(length - Position, 0));
    }
}
