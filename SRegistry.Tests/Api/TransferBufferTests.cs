using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Web.Hosting;

namespace SRegistry.Tests.Api;

/// <summary>
/// Kestrel receives and sends through 64 KiB blocks instead of 4 KiB ones (fewer socket calls per image); the pool
/// hands out whole blocks, reuses returned ones, and still serves a request larger than a block.
/// </summary>
/// <remarks>
/// The test factory's own UseKestrel registers Kestrel's default pool after the app's, so in-process tests run on
/// 4 KiB blocks; tests that start the app as a process (RegistryProcess: TLS, nginx offload) and the benchmarks run on this one.
/// </remarks>
public sealed class TransferBufferTests
{
    [Fact]
    public async Task The_app_as_deployed_gives_kestrel_the_large_block_pool()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddRegistryHosting();
        await using var app = builder.Build();

        using var pool = app.Services.GetRequiredService<IMemoryPoolFactory<byte>>().Create();

        Assert.IsType<LargeBlockMemoryPool>(pool);
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
