using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Maintenance;

public enum StoreProblemKind
{
    /// <summary>An uploaded image whose bytes are not in the blob store.</summary>
    Missing,

    /// <summary>Stored bytes no image refers to (garbage collection frees them).</summary>
    Orphaned,

    /// <summary>Stored bytes of another size than the database records.</summary>
    WrongSize,

    /// <summary>Stored bytes whose SHA-256 is not their name (only with a rehash).</summary>
    Corrupt,
}

public sealed record StoreProblem(StoreProblemKind Kind, string Hash, string Detail);

/// <summary>
/// <c>fsck</c>: every disagreement between the database and the blob store. Sizes are compared always; with a rehash
/// every stored blob is read and hashed again, which finds bytes changed on disk behind the registry's back.
/// </summary>
public sealed class StoreCheck(RegistryDbContext db, IBlobStore blobs)
{
    public async Task<List<StoreProblem>> RunAsync(bool rehash, CancellationToken ct = default)
    {
        var expected = (await db.Images.AsNoTracking().Where(i => i.IsUploaded).Select(i => new { i.Hash, i.Size }).Distinct().ToListAsync(ct))
            .GroupBy(i => ImageCatalog.HexOf(i.Hash)).ToDictionary(g => g.Key, g => g.Max(i => i.Size), StringComparer.Ordinal);
        // Rows still uploading may already have their bytes stored by a concurrent push: not orphans.
        var pending = (await db.Images.AsNoTracking().Where(i => !i.IsUploaded).Select(i => i.Hash).ToListAsync(ct))
            .Select(ImageCatalog.HexOf).ToHashSet(StringComparer.Ordinal);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var hex in blobs.ListHashesAsync(ct))
        {
            stored.Add(hex);
        }

        var problems = new List<StoreProblem>();
        foreach (var (hex, size) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!stored.Contains(hex))
            {
                problems.Add(new(StoreProblemKind.Missing, hex, "an uploaded image's bytes are not in the blob store"));
                continue;
            }
            var actual = await blobs.GetSizeAsync(hex, ct);
            if (actual != size)
            {
                problems.Add(new(StoreProblemKind.WrongSize, hex, $"the database says {size} bytes, the store holds {actual}"));
            }
            else if (rehash && await HashOfAsync(hex, ct) is { } hashed && hashed != hex)
            {
                problems.Add(new(StoreProblemKind.Corrupt, hex, $"the stored bytes hash to sha256:{hashed}"));
            }
        }
        problems.AddRange(stored.Where(hex => !expected.ContainsKey(hex) && !pending.Contains(hex)).Order(StringComparer.Ordinal)
            .Select(hex => new StoreProblem(StoreProblemKind.Orphaned, hex, "stored bytes no image refers to")));
        return problems;
    }

    private async Task<string?> HashOfAsync(string hex, CancellationToken ct)
    {
        var reader = blobs as IBlobReader ?? throw new InvalidOperationException("this blob store cannot be read back for a rehash");
        await using var stream = await reader.OpenReadAsync(hex, ct);
        return stream is null ? null : Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
