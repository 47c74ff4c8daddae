using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Hosting;

namespace SRegistry.Tests.Api;

/// <summary>
/// Kestrel receives and sends through 64 KiB blocks instead of 4 KiB ones (fewer socket calls per image); the pool
/// hands out whole blocks, reuses returned ones, and still serves a request larger than a block.
/// </summary>
public sealed class TransferBufferTests(RegistryServer server) : IClassFixture<RegistryServer>
{
    [Fact]
    public void The_server_gives_kestrel_the_large_block_pool()
    {
        var factory = server.Services.GetRequiredService<IMemoryPoolFactory<byte>>();

        using var pool = factory.Create();

        Assert.IsType<LargeBlockMemoryPool>(pool);
        Assert.Equal(LargeBlockMemoryPool.DefaultBlockSize, pool.MaxBufferSize);
    }

    [Fact]
    public void A_small_request_gets_a_whole_block_and_a_returned_block_is_reused()
    {
        using var pool = new LargeBlockMemoryPool(64 * 1024);

        var first = pool.Rent(100);
        Assert.Equal(64 * 1024, first.Memory.Length);
        first.Memory.Span[0] = 42;
        var array = first.Memory;
        first.Dispose();
        using var second = pool.Rent();

        Assert.True(second.Memory.Span.Overlaps(array.Span), "the returned block was not reused");
    }

    [Fact]
    public void A_request_larger_than_a_block_is_served_and_not_kept()
    {
        using var pool = new LargeBlockMemoryPool(4096);

        using var large = pool.Rent(10_000);

        Assert.True(large.Memory.Length >= 10_000);
    }

    [Fact]
    public void A_block_disposed_twice_goes_back_once()
    {
        using var pool = new LargeBlockMemoryPool(4096);
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using var a = pool.Rent();
        using var b = pool.Rent();

        Assert.False(a.Memory.Span.Overlaps(b.Memory.Span), "one block was handed out twice");
    }
}
