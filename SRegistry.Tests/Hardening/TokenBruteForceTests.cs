using System.Net;
using SRegistry.Core.Accounts;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// Bad tokens are braked per client address: past <c>Registry:FailedTokenLimit</c> failures in a window, every
/// request with a bad token from that address gets 429 in the protocol's envelope until the window ends. A valid
/// token always passes, from that address too (one stale job array behind a NAT locks nobody out), and requests
/// without a token and the paths that ignore tokens go on.
/// </summary>
public sealed class TokenBruteForceTests
{
    [Fact]
    public async Task Too_many_failed_tokens_from_one_address_are_answered_429_until_the_window_ends_and_valid_tokens_still_pass()
    {
        await using var server = new RegistryServer().With("Registry:FailedTokenLimit", "3").With("Registry:FailedTokenWindow", "00:01:00");
        var valid = await server.CreateTokenAsync("patient");
        for (var guess = 0; guess < 3; guess++)
        {
            await LibraryProtocol.ErrorAsync(await server.Client($"sreg_guess{guess}").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
        }

        var braked = await server.Client("sreg_guess-more").GetAsync("v1/token-status");
        Assert.Contains("too many failed token checks", await LibraryProtocol.ErrorAsync(braked, (HttpStatusCode)429), StringComparison.Ordinal);
        Assert.InRange(braked.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        await LibraryProtocol.ErrorAsync(await server.Client("sreg_guess-again").PostAsync("v1/collections", LibraryProtocol.Json(new { name = "x" })), (HttpStatusCode)429);
        // The brake never refuses a valid token, from the same address or any other (tokens are 256-bit: nothing to guess).
        Assert.Equal(HttpStatusCode.OK, (await server.Client(valid).GetAsync("v1/token-status")).StatusCode);
        Assert.True((await server.Client(valid).PostAsync("v1/collections", LibraryProtocol.Json(new { name = "x" }))).IsSuccessStatusCode);
        // What ignores tokens by contract, and requests without one, go on.
        Assert.Equal(HttpStatusCode.OK, (await server.Client("sreg_guess-more").GetAsync("version")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("assets/config/config.prod.json")).StatusCode);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/token-status"), HttpStatusCode.NotFound);

        server.Clock.Advance(TimeSpan.FromSeconds(61));
        await LibraryProtocol.ErrorAsync(await server.Client("sreg_late").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Valid_tokens_never_count_and_a_zero_limit_switches_the_brake_off()
    {
        await using (var server = new RegistryServer().With("Registry:FailedTokenLimit", "2"))
        {
            var valid = await server.CreateTokenAsync("busy");
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await server.Client(valid).GetAsync("v1/token-status")).StatusCode);
            }
            await LibraryProtocol.ErrorAsync(await server.Client("sreg_wrong").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
            Assert.Equal(HttpStatusCode.OK, (await server.Client(valid).GetAsync("v1/token-status")).StatusCode);
        }
        await using (var server = new RegistryServer().With("Registry:FailedTokenLimit", "0"))
        {
            for (var i = 0; i < 30; i++)
            {
                await LibraryProtocol.ErrorAsync(await server.Client($"sreg_wrong{i}").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
            }
        }
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Addresses_count_per_host_and_ipv6_per_64_block(string address, string key) =>
        Assert.Equal(key, FailedTokenLimiter.KeyOf(IPAddress.Parse(address)));
}
