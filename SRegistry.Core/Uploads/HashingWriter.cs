using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace SRegistry.Core.Uploads;

/// <summary>
/// Copies a request body to a file at an offset while hashing it, never holding more than two buffers.
/// The write of one buffer overlaps the read and hash of the next, so disk, socket and SHA-256 work together.
/// </summary>
public static class HashingWriter
{
    private const int BufferSize = 1024 * 1024;

    public sealed class TooLargeException(long limit) : IOException($"more than the {limit} bytes declared were sent");

    /// <summary>Copies at most <paramref name="maxBytes"/>; more data throws <see cref="TooLargeException"/>. Returns the bytes copied.</summary>
    public static async Task<long> CopyAsync(Stream source, SafeFileHandle target, long offset, long maxBytes,
        IReadOnlyList<IncrementalHash> hashes, CancellationToken ct)
    {
        var pool = ArrayPool<byte>.Shared;
        byte[] current = pool.Rent(BufferSize), spare = pool.Rent(BufferSize);
        Task pendingWrite = Task.CompletedTask;
        long total = 0;
        try
        {
            while (true)
            {
                var read = await FillAsync(source, current, ct);
                if (read == 0)
                {
                    break;
                }
                total += read;
                if (total > maxBytes)
                {
                    throw new TooLargeException(maxBytes);
                }
                await pendingWrite;
                var (chunk, at) = (current, offset + total - read);
                // Hash and write this chunk on another core while the loop reads the next one; the await above keeps chunks in order.
                pendingWrite = Task.Run(() =>
                {
                    foreach (var hash in hashes)
                    {
                        hash.AppendData(chunk, 0, read);
                    }
                    RandomAccess.Write(target, chunk.AsSpan(0, read), at);
                }, ct);
                (current, spare) = (spare, current);
            }
            await pendingWrite;
            return total;
        }
        finally
        {
            // The pending write must finish before its buffer goes back to the pool.
            try
            {
                await pendingWrite;
            }
            catch (IOException)
            {
                // Already reported by the main path.
            }
            catch (OperationCanceledException)
            {
                // Same.
            }
            pool.Return(current);
            pool.Return(spare);
        }
    }

    /// <summary>Reads until the buffer is full or the stream ends, so writes are large and aligned.</summary>
    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await source.ReadAsync(buffer.AsMemory(filled), ct);
            if (n == 0)
            {
                break;
            }
            filled += n;
        }
        return filled;
    }

    /// <summary>SHA-256 of a whole file, for when a streamed hash could not be carried.</summary>
    public static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var digest = await SHA256.HashDataAsync(stream, ct);
        return Convert.ToHexStringLower(digest);
    }
}
