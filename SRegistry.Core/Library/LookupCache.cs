using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;

namespace SRegistry.Core.Library;

/// <summary>
/// Remembers image lookups for a moment. A job array of a thousand tasks pulling one image mostly asks "which hash is
/// <c>col/tool:1.0</c>?" and then finds the bytes in its own cache; answering that from memory instead of a database
/// round trip is what lets lookups keep up with the framework (see docs/benchmarks.md). Answers are stored before
/// anyone's rights are applied (<see cref="FoundImage"/>), so every caller shares one entry per reference.
/// Any write to the database through this process empties it at once (<see cref="LookupCacheInvalidator"/>);
/// writes made by other replicas are seen within <see cref="RegistryOptions.LookupCacheLifetime"/>.
/// </summary>
public sealed class LookupCache(IOptions<RegistryOptions> options, TimeProvider clock)
{
    private static readonly AsyncLocal<bool> CountingOnly = new();

    private readonly ConcurrentDictionary<Key, Entry> entries = new();
    private long generation;

    /// <summary>True inside <see cref="CountersOnly"/>: the commands run there change nothing a lookup answers.</summary>
    public static bool IsCountingOnly => CountingOnly.Value;

    /// <summary>Wraps writes that only bump counters (downloads), so a pull does not empty the cache for everyone.</summary>
    public static IDisposable CountersOnly()
    {
        CountingOnly.Value = true;
        return new EndCounting();
    }

    /// <summary>A lookup as the client sent it; the answer does not depend on who asks.</summary>
    public readonly record struct Key(string? Reference, string? Arch);

    private sealed record Entry(long Generation, DateTimeOffset Expires, Outcome<FoundImage> Value);

    public async Task<Outcome<FoundImage>> GetOrResolveAsync(Key key, Func<Task<Outcome<FoundImage>>> resolve)
    {
        var lifetime = options.Value.LookupCacheLifetime;
        if (lifetime <= TimeSpan.Zero)
        {
            return await resolve();
        }
        var now = clock.GetUtcNow();
        var seen = Interlocked.Read(ref generation);
        if (entries.TryGetValue(key, out var entry) && entry.Generation == seen && entry.Expires > now)
        {
            return entry.Value;
        }
        var value = await resolve();
        // A write that landed while we were reading may not be in this answer: keep it only if nothing changed.
        if (Interlocked.Read(ref generation) == seen)
        {
            // Bounds memory; past it the cache starts over rather than tracking recency.
            if (entries.Count >= options.Value.LookupCacheEntries)
            {
                entries.Clear();
            }
            entries[key] = new Entry(seen, now + lifetime, value);
        }
        return value;
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }

    private sealed class EndCounting : IDisposable
    {
        public void Dispose() => CountingOnly.Value = false;
    }
}
