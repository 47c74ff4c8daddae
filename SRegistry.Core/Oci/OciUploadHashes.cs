using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SRegistry.Core.Oci;

/// <summary>
/// The running SHA-256 of each OCI upload this process is receiving, so a chunked upload is hashed as it streams in
/// and completion need not read the bytes again. A state is used only when it covers exactly the bytes staged; after
/// a restart, or when another replica took a chunk, completion hashes the staged file instead.
/// </summary>
public sealed class OciUploadHashes : IDisposable
{
    private sealed record Running(IncrementalHash Hash, long Covered);

    private readonly ConcurrentDictionary<string, Running> running = new(StringComparer.Ordinal);

    /// <summary>The hash to continue at <paramref name="offset"/>, or a fresh one at zero; null when the state here is not at that offset.</summary>
    public IncrementalHash? Continue(string uploadId, long offset)
    {
        if (offset == 0)
        {
            Forget(uploadId);
            return IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
        return running.TryRemove(uploadId, out var state) && state.Covered == offset ? state.Hash : Drop(state);
    }

    public void Keep(string uploadId, IncrementalHash hash, long covered) => running[uploadId] = new Running(hash, covered);

    public void Forget(string uploadId)
    {
        if (running.TryRemove(uploadId, out var state))
        {
            state.Hash.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var state in running.Values)
        {
            state.Hash.Dispose();
        }
        running.Clear();
    }

    private static IncrementalHash? Drop(Running? state)
    {
        state?.Hash.Dispose();
        return null;
    }
}
