using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Keys;

/// <summary>A published key as the keys page lists it.</summary>
public sealed record KeySummary(
    string Fingerprint,
    IReadOnlyList<string> UserIds,
    string Algorithm,
    int Bits,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    bool IsRevoked,
    bool IsExpired,
    string Uploader,
    DateTimeOffset UploadedAt,
    bool CanRemove);

/// <summary>A fingerprint named by an image signature, and the key on this keyserver it belongs to, if any.</summary>
public sealed record SignerIdentity(string Fingerprint, string? KeyFingerprint, string? UserId)
{
    public bool IsKnown => KeyFingerprint is not null;
}

/// <summary>Published keys for the dashboard: one's own (or, for admins, everyone's), removal, and who signed an image.</summary>
public sealed class PublishedKeys(RegistryDbContext db, ParsedKeyCache parsedKeys, ImageContentsService contents, TimeProvider clock, AuditLog audit)
{
    public async Task<Outcome<IReadOnlyList<KeySummary>>> ListAsync(Principal who, bool everyone = false, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (everyone && !AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var query = db.SigningKeys.AsNoTracking();
        if (!everyone)
        {
            query = query.Where(k => k.UploadedById == who.UserId);
        }
        var rows = await query
            .Join(db.Users, k => k.UploadedById, u => u.Id, (k, u) => new { Key = k, Uploader = u.Username })
            .OrderBy(r => r.Uploader).ThenBy(r => r.Key.Fingerprint).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return rows.Select(r => new KeySummary(r.Key.Fingerprint, r.Key.UserIds.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            KeyAlgorithms.Name(r.Key.Algorithm), r.Key.Bits, r.Key.KeyCreatedAt, r.Key.KeyExpiresAt, IsRevoked(r.Key.Fingerprint, r.Key.Armored),
            r.Key.KeyExpiresAt is { } expires && expires <= now, r.Uploader, r.Key.UploadedAt,
            AccessPolicy.Can(who, KeyAction.Remove, new KeyFacts(r.Key.UploadedById)))).ToList();
    }

    /// <summary>Takes a key off the keyserver: its uploader or an admin. Images it signed are checked again: their signer is then unknown here.</summary>
    public async Task<Outcome<bool>> RemoveAsync(Principal who, string? fingerprint, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var key = await db.SigningKeys.AsNoTracking().Where(k => k.Fingerprint == fingerprint).Select(k => new { k.UploadedById }).FirstOrDefaultAsync(ct);
        if (key is null)
        {
            return Problem.NotFound($"key {fingerprint} is not on this keyserver");
        }
        if (!AccessPolicy.Can(who, KeyAction.Remove, new KeyFacts(key.UploadedById)))
        {
            return Problem.Forbidden("only the account that published a key, or an administrator, may remove it");
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            if (await db.SigningKeys.Where(k => k.Fingerprint == fingerprint).ExecuteDeleteAsync(ct) != 1)
            {
                return Problem.NotFound($"key {fingerprint} is not on this keyserver");
            }
            audit.Record(who, AuditActions.KeyRemove, fingerprint!);
            // Images it signed are now signed by a key this registry does not hold.
            await contents.ReevaluateAsync([fingerprint!], ct);
            return true;
        }, ct);
    }

    /// <summary>
    /// For each signer fingerprint, the published key it is (or is a subkey of) and that key's first user ID.
    /// This links names to fingerprints; it does not check the image's signatures, which <c>singularity verify</c> does.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SignerIdentity>> IdentifySignersAsync(IEnumerable<string> fingerprints, CancellationToken ct = default)
    {
        var wanted = fingerprints.Where(f => f.Length is 40 or 64 && f.All(char.IsAsciiHexDigit)).Distinct(StringComparer.Ordinal).ToList();
        var identities = new Dictionary<string, SignerIdentity>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return identities;
        }
        var primaries = await db.SigningKeys.AsNoTracking().Where(k => wanted.Contains(k.Fingerprint))
            .Select(k => new { k.Fingerprint, k.UserIds }).ToListAsync(ct);
        foreach (var key in primaries)
        {
            identities[key.Fingerprint] = new SignerIdentity(key.Fingerprint, key.Fingerprint, FirstUserId(key.UserIds));
        }
        foreach (var fingerprint in wanted.Where(f => !identities.ContainsKey(f)))
        {
            var owner = await db.SigningKeys.AsNoTracking()
                .Where(k => LikePatterns.Matches(" " + k.SubkeyFingerprints + " ", "% " + fingerprint + " %"))
                .Select(k => new { k.Fingerprint, k.UserIds }).FirstOrDefaultAsync(ct);
            identities[fingerprint] = owner is null
                ? new SignerIdentity(fingerprint, null, null)
                : new SignerIdentity(fingerprint, owner.Fingerprint, FirstUserId(owner.UserIds));
        }
        return identities;
    }

    /// <summary>Revocations arrive with later pushes, so they are read from the stored key itself.</summary>
    private bool IsRevoked(string fingerprint, string armored)
    {
        try
        {
            return parsedKeys.Get(fingerprint, armored).IsRevoked;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static string? FirstUserId(string userIds) => userIds.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
}
