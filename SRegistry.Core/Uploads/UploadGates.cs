using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SRegistry.Core.Uploads;

/// <summary>One writer per upload session at a time, inside this process.</summary>
public sealed class UploadGates
{
    private readonly ConcurrentDictionary<string, byte> busy = new(StringComparer.Ordinal);

    public IDisposable? TryEnter(string sessionId) => busy.TryAdd(sessionId, 0) ? new Exit(busy, sessionId) : null;

    /// <summary>Bytes are being received for the session right now.</summary>
    public bool IsBusy(string sessionId) => busy.ContainsKey(sessionId);

    private sealed class Exit(ConcurrentDictionary<string, byte> busy, string sessionId) : IDisposable
    {
        public void Dispose() => busy.TryRemove(sessionId, out _);
    }
}

/// <summary>
/// The whole-file SHA-256 of a multipart upload, carried forward part by part while parts arrive in order
/// (the client sends them strictly one after another), so completion needs no second pass over the file.
/// Out-of-order or repeated parts drop the carrier; completion then hashes the file once.
/// </summary>
public sealed class MultipartHashes
{
    private sealed class Carrier(IncrementalHash hash)
    {
        public IncrementalHash Hash { get; } = hash;
        public int NextPart { get; set; } = 1;
    }

    private readonly ConcurrentDictionary<string, Carrier> carriers = new(StringComparer.Ordinal);

    /// <summary>The hash to feed part <paramref name="partNumber"/> into, or null when the chain is broken.</summary>
    public IncrementalHash? ForPart(string sessionId, int partNumber)
    {
        if (partNumber == 1)
        {
            Forget(sessionId);
            var fresh = new Carrier(IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
            carriers[sessionId] = fresh;
            return fresh.Hash;
        }
        if (carriers.TryGetValue(sessionId, out var carrier) && carrier.NextPart == partNumber)
        {
            return carrier.Hash;
        }
        Forget(sessionId);
        return null;
    }

    public void PartDone(string sessionId, int partNumber)
    {
        if (carriers.TryGetValue(sessionId, out var carrier))
        {
            carrier.NextPart = partNumber + 1;
        }
    }

    /// <summary>The whole-file hex digest when every part 1..<paramref name="totalParts"/> was carried in order.</summary>
    public string? TryFinish(string sessionId, int totalParts)
    {
        if (carriers.TryRemove(sessionId, out var carrier))
        {
            using (carrier.Hash)
            {
                return carrier.NextPart == totalParts + 1 ? Convert.ToHexStringLower(carrier.Hash.GetHashAndReset()) : null;
            }
        }
        return null;
    }

    public void Forget(string sessionId)
    {
        if (carriers.TryRemove(sessionId, out var carrier))
        {
            carrier.Hash.Dispose();
        }
    }
}
