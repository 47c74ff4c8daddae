using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;

namespace SRegistry.Core.Accounts;

/// <summary>
/// Brake for bad bearer tokens: counts failed token checks per client address (behind a trusted proxy, the forwarded
/// one) in a fixed window. An address that reaches <see cref="RegistryOptions.FailedTokenLimit"/> has its bad tokens
/// answered 429 until the window ends; valid tokens from it still pass, so a stale token in one job array never locks
/// out a site's other users behind the same NAT. IPv6 clients count per /64, the block one host usually holds.
/// </summary>
public sealed class FailedTokenLimiter(IOptions<RegistryOptions> options, TimeProvider clock)
{
    // Bounds memory under a spray from many addresses; past it, finished windows are dropped.
    private const int MaxAddresses = 100_000;

    private readonly ConcurrentDictionary<string, Window> windows = new(StringComparer.Ordinal);

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public int Failures;
    }

    /// <summary>How long the address must wait before its tokens are checked again; null when it may go on.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        var limit = options.Value.FailedTokenLimit;
        if (limit <= 0 || !windows.TryGetValue(KeyOf(address), out var window))
        {
            return null;
        }
        var ends = window.Start + options.Value.FailedTokenWindow;
        var now = clock.GetUtcNow();
        return Volatile.Read(ref window.Failures) >= limit && ends > now ? ends - now : null;
    }

    public void RecordFailure(IPAddress? address)
    {
        if (options.Value.FailedTokenLimit <= 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var key = KeyOf(address);
        if (windows.Count >= MaxAddresses)
        {
            Prune(now);
        }
        var window = windows.AddOrUpdate(key, _ => new Window(now),
            (_, current) => current.Start + options.Value.FailedTokenWindow <= now ? new Window(now) : current);
        Interlocked.Increment(ref window.Failures);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in windows)
        {
            if (window.Start + options.Value.FailedTokenWindow <= now)
            {
                windows.TryRemove(key, out _);
            }
        }
        if (windows.Count >= MaxAddresses)
        {
            windows.Clear();
        }
    }

    internal static string KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
