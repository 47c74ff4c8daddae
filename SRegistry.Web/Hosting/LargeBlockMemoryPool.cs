using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Kestrel's socket buffers in blocks larger than its default 4 KiB. Every socket receive fills at most the free part of
/// one block, so with 4 KiB blocks a 1 GiB push is a quarter of a million receive calls and pipe hand-offs; with
/// 64 KiB blocks it is a sixteenth of that. Blocks are pinned (the socket keeps them during I/O) and reused; at most
/// <see cref="RetainedBlocks"/> idle blocks are kept, the rest go back to the GC.
/// </summary>
public sealed class LargeBlockMemoryPool(int blockSize) : MemoryPool<byte>
{
    /// <summary>Measured on a 2-core VM: pull storms of 16 and 64 clients about 1.5 to 2 times faster than with 4 KiB blocks.</summary>
    public const int DefaultBlockSize = 64 * 1024;

    public const int RetainedBlocks = 512;

    private readonly ConcurrentQueue<byte[]> free = new();
    private int freeCount;

    public override int MaxBufferSize => blockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > blockSize)
        {
            return new Block(this, GC.AllocateUninitializedArray<byte>(minBufferSize, pinned: true), pooled: false);
        }
        if (free.TryDequeue(out var array))
        {
            Interlocked.Decrement(ref freeCount);
            return new Block(this, array, pooled: true);
        }
        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true), pooled: true);
    }

    protected override void Dispose(bool disposing) => free.Clear();

    private void Return(byte[] array)
    {
        if (Interlocked.Increment(ref freeCount) <= RetainedBlocks)
        {
            free.Enqueue(array);
        }
        else
        {
            Interlocked.Decrement(ref freeCount);
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array, bool pooled) : IMemoryOwner<byte>
    {
        private byte[]? owned = array;

        public Memory<byte> Memory => owned ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref owned, null) is { } returned && pooled)
            {
                pool.Return(returned);
            }
        }
    }
}

/// <summary>Hands Kestrel's transport the large-block pool.</summary>
public sealed class LargeBlockMemoryPoolFactory(int blockSize) : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool(blockSize);

    /// <summary>
    /// Replaces whatever pool factory is registered: Kestrel's socket transport takes it from the container when the
    /// server starts, so this must run after <c>UseKestrel</c> registered the default one.
    /// </summary>
    public static IServiceCollection UseFor(IServiceCollection services)
    {
        services.RemoveAll<IMemoryPoolFactory<byte>>();
        return services.AddSingleton<IMemoryPoolFactory<byte>>(new LargeBlockMemoryPoolFactory(LargeBlockMemoryPool.DefaultBlockSize));
    }
}
