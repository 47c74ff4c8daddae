using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Keys;

public enum KeyPublication
{
    Added,
    /// <summary>Merged into the caller's stored key: something new arrived (a user ID, subkey, signature or revocation).</summary>
    Updated,
    /// <summary>The stored key already held everything pushed.</summary>
    Unchanged,
}

public sealed record PublishedKey(string Fingerprint, KeyPublication Publication);

/// <summary>One page of lookup results; <see cref="NextOffset"/> is set when more follow.</summary>
public sealed record KeyPage(IReadOnlyList<KeyDetails> Keys, int? NextOffset);

/// <summary>
/// The keyserver's rules: who may publish, what a re-push does, and how lookups match (docs/protocol/keyserver.md).
/// A fingerprint belongs to the account that first published it: that account's re-pushes are merged into the stored
/// key (nothing stored is ever dropped), and only that account or an admin removes it. Another account's push is
/// refused, except that a revocation signed by the key itself is always merged, and an account whose verified e-mail
/// is on one of the key's self-signed user IDs takes the key over (so nobody can squat someone else's key).
/// Signatures are checked once, at upload: lookups read keys through <see cref="ParsedKeyCache"/>.
/// </summary>
public sealed class Keyserver(RegistryDbContext db, ParsedKeyCache parsedKeys, ImageContentsService contents, TimeProvider clock,
    IOptions<RegistryOptions> options, AuditLog audit)
{
    /// <summary>Form bodies larger than this are refused; real public keys are a few KiB.</summary>
    public const int MaxBodyBytes = 256 * 1024;
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 256;
    /// <summary>Candidates a user-ID search looks at before paging; far beyond any real keyserver here.</summary>
    private const int MaxCandidates = 10_000;

    public async Task<Outcome<IReadOnlyList<PublishedKey>>> PublishAsync(Principal who, string? keyText, CancellationToken ct = default)
    {
        if (!AccessPolicy.CanPublishKey(who))
        {
            return Problem.Unauthenticated("pushing a key needs a token: run 'singularity remote login' first");
        }
        var maxUserIds = options.Value.MaxUserIdsPerKey;
        var parsed = OpenPgpKeys.Parse(keyText, maxUserIds);
        if (!parsed.Succeeded)
        {
            return new Problem(parsed.Failure, parsed.Message);
        }
        var fingerprints = parsed.Value!.Select(k => k.Fingerprint).ToList();
        var stored = await db.SigningKeys.Where(k => fingerprints.Contains(k.Fingerprint)).ToDictionaryAsync(k => k.Fingerprint, ct);
        var verifiedEmail = await VerifiedEmailAsync(who, ct);
        var owned = await db.SigningKeys.CountAsync(k => k.UploadedById == who.UserId, ct);
        var now = clock.GetUtcNow();
        var published = new List<PublishedKey>();
        var remember = new List<KeyDetails>();
        foreach (var key in parsed.Value!)
        {
            if (!stored.TryGetValue(key.Fingerprint, out var row))
            {
                if (++owned > options.Value.MaxKeysPerAccount)
                {
                    return TooManyKeys();
                }
                row = new SigningKey { Fingerprint = key.Fingerprint, Armored = key.Armored, UploadedById = who.UserId! };
                Apply(row, key, now);
                db.SigningKeys.Add(row);
                remember.Add(key);
                published.Add(new PublishedKey(key.Fingerprint, KeyPublication.Added));
                continue;
            }
            var facts = new KeyFacts(row.UploadedById);
            var claimed = false;
            if (!AccessPolicy.Can(who, KeyAction.Update, facts))
            {
                claimed = AccessPolicy.CanClaimKey(who, facts, verifiedEmail is not null && key.UserIds.Any(u => EmailOf(u.Text) is { } e
                    && e.Equals(verifiedEmail, StringComparison.OrdinalIgnoreCase)));
                var revokes = key.IsRevoked && AccessPolicy.CanMergeSelfRevocation(who);
                if (!claimed && !revokes)
                {
                    return Problem.Conflict($"key {key.Fingerprint} is already on this keyserver, published by another account; only that " +
                                            "account or an administrator can remove it, or an account whose verified e-mail is on the key can claim it");
                }
                if (claimed && ++owned > options.Value.MaxKeysPerAccount)
                {
                    return TooManyKeys();
                }
            }
            var merged = OpenPgpKeys.Merge(key, row.Armored);
            if (merged.UserIds.Count > maxUserIds)
            {
                return Problem.Invalid($"key {key.Fingerprint} would have {merged.UserIds.Count} user IDs with the stored ones; this keyserver takes at most {maxUserIds} per key");
            }
            if (claimed)
            {
                row.UploadedById = who.UserId!;
            }
            if (merged.Armored == row.Armored && !claimed)
            {
                published.Add(new PublishedKey(key.Fingerprint, KeyPublication.Unchanged));
                continue;
            }
            Apply(row, merged, now);
            remember.Add(merged);
            published.Add(new PublishedKey(key.Fingerprint, KeyPublication.Updated));
        }
        foreach (var key in published.Where(p => p.Publication != KeyPublication.Unchanged))
        {
            audit.Record(who, AuditActions.KeyPublish, key.Fingerprint, key.Publication == KeyPublication.Added ? "added" : "updated");
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return Problem.Conflict("the same key was being published by another request at this moment; push again");
        }
        remember.ForEach(parsedKeys.Remember);
        // Images these keys signed may verify now (or, after a revocation arrived, no longer).
        await contents.ReevaluateAsync([.. published.Where(p => p.Publication != KeyPublication.Unchanged).Select(p => p.Fingerprint)], ct);
        return published;
    }

    private Problem TooManyKeys() => Problem.Forbidden(
        $"your account may have at most {options.Value.MaxKeysPerAccount} keys on this keyserver; remove keys you no longer use");

    /// <summary>
    /// The caller's e-mail if their identity provider said at the last sign-in that it verified it (<c>email_verified</c>).
    /// Local accounts and providers that do not say have none: any address could be typed into such a profile.
    /// </summary>
    private async Task<string?> VerifiedEmailAsync(Principal who, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == who.UserId)
            .Select(u => new { u.Email, u.EmailVerified, u.ExternalSubject }).FirstOrDefaultAsync(ct);
        return user is { ExternalSubject: not null, EmailVerified: true, Email.Length: > 0 } ? user.Email.Trim() : null;
    }

    /// <summary>The address of a user ID: <c>Name &lt;addr&gt;</c>, or a bare address.</summary>
    internal static string? EmailOf(string userId)
    {
        var open = userId.LastIndexOf('<');
        var close = userId.LastIndexOf('>');
        var email = open >= 0 && close > open ? userId[(open + 1)..close] : userId;
        return email.Contains('@', StringComparison.Ordinal) && !email.Any(char.IsWhiteSpace) ? email : null;
    }

    public async Task<Outcome<KeyPage>> LookupAsync(KeyQuery query, int offset = 0, int pageSize = DefaultPageSize, CancellationToken ct = default)
    {
        if (offset < 0 || pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid($"page size must be 1 to {MaxPageSize}, and the page token one this server gave out");
        }
        var fingerprints = query.Kind switch
        {
            KeyQueryKind.UserId => await ByUserIdAsync(query, ct),
            // Only v4 keys are ever stored.
            KeyQueryKind.V3Fingerprint => [],
            _ => await ByKeyAsync(query.Value, ct),
        };
        var page = fingerprints.Skip(offset).Take(pageSize).ToList();
        var rows = await db.SigningKeys.AsNoTracking().Where(k => page.Contains(k.Fingerprint)).ToDictionaryAsync(k => k.Fingerprint, k => k.Armored, ct);
        var keys = page.Where(rows.ContainsKey).Select(fp => parsedKeys.Get(fp, rows[fp])).ToList();
        return new KeyPage(keys, offset + pageSize < fingerprints.Count ? offset + pageSize : null);
    }

    /// <summary>Primary keys and subkeys whose fingerprint ends in the hex: a key ID is the tail of a v4 fingerprint.</summary>
    private Task<List<string>> ByKeyAsync(string hex, CancellationToken ct) =>
        db.SigningKeys.AsNoTracking()
            .Where(k => LikePatterns.Matches(k.Fingerprint + " " + k.SubkeyFingerprints + " ", "%" + hex + " %"))
            .OrderBy(k => k.Fingerprint).Select(k => k.Fingerprint).ToListAsync(ct);

    private async Task<List<string>> ByUserIdAsync(KeyQuery query, CancellationToken ct)
    {
        var candidates = await db.SigningKeys.AsNoTracking()
            .Where(k => LikePatterns.Matches(k.UserIds, LikePatterns.Containing(query.Value, KeyQuery.MaxTextLength)))
            .OrderBy(k => k.Fingerprint).Select(k => new { k.Fingerprint, k.UserIds }).Take(MaxCandidates).ToListAsync(ct);
        // SQL narrows the field; the exact rule (and case folding beyond ASCII) is applied per user ID.
        return candidates.Where(k => k.UserIds.Split('\n').Any(query.MatchesUserId)).Select(k => k.Fingerprint).ToList();
    }

    private static void Apply(SigningKey row, KeyDetails key, DateTimeOffset now)
    {
        row.Armored = key.Armored;
        row.UserIds = string.Join('\n', key.UserIds.Select(u => u.Text));
        row.SubkeyFingerprints = string.Join(' ', key.SubkeyFingerprints);
        row.Algorithm = key.Algorithm;
        row.Bits = key.Bits;
        row.KeyCreatedAt = key.CreatedAt;
        row.KeyExpiresAt = key.ExpiresAt;
        row.UploadedAt = now;
    }
}
