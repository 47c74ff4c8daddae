using System.Collections.Concurrent;

namespace SRegistry.Core.Keys;

/// <summary>
/// Stored keys as BouncyCastle read and verified them, so a lookup (anonymous, up to a page of keys) does not check
/// every signature again. An entry is used only while the stored armour is the very text it was read from, so a key
/// merged or replaced on another replica is read afresh there.
/// </summary>
public sealed class ParsedKeyCache
{
    /// <summary>Keys kept; past it the cache starts over (a real keyserver here holds far fewer).</summary>
    internal const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<string, KeyDetails> keys = new(StringComparer.Ordinal);

    /// <summary>How many keys were read from armour rather than taken from the cache (for tests and metrics).</summary>
    public long Parses => Interlocked.Read(ref parses);

    private long parses;

    public KeyDetails Get(string fingerprint, string armored)
    {
        if (keys.TryGetValue(fingerprint, out var known) && string.Equals(known.Armored, armored, StringComparison.Ordinal))
        {
            return known;
        }
        Interlocked.Increment(ref parses);
        var read = OpenPgpKeys.Read(armored);
        if (keys.Count >= MaxEntries)
        {
            keys.Clear();
        }
        keys[fingerprint] = read;
        return read;
    }

    /// <summary>Remembers a key just verified at upload, so its first lookup costs nothing either.</summary>
    public void Remember(KeyDetails key)
    {
        if (keys.Count >= MaxEntries)
        {
            keys.Clear();
        }
        keys[key.Fingerprint] = key;
    }
}
