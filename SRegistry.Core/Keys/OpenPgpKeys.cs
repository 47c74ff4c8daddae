using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using SRegistry.Core.Library;

namespace SRegistry.Core.Keys;

/// <summary>A user ID that its key's primary key certified (self-signed), with the time of that certification.</summary>
public sealed record KeyUserId(string Text, DateTimeOffset CertifiedAt);

/// <summary>
/// What an OpenPGP public key says about itself, as checked by BouncyCastle: only user IDs and subkeys carrying a
/// valid signature by the primary key count, so nobody can attach a name or a subkey to someone else's key.
/// </summary>
public sealed record KeyDetails(
    string Fingerprint,
    string Armored,
    IReadOnlyList<KeyUserId> UserIds,
    IReadOnlyList<string> SubkeyFingerprints,
    int Algorithm,
    int Bits,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    bool IsRevoked)
{
    /// <summary>The 64-bit key ID: the last 16 hex digits of a v4 fingerprint.</summary>
    public string KeyId => Fingerprint[^16..];

    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } at && at <= now;
}

/// <summary>
/// Reads ASCII-armoured OpenPGP public keys with BouncyCastle. Each key keeps the exact text of the armour block it
/// came in, so a lookup hands back what was pushed byte for byte; keys sharing one block are re-armoured one by one.
/// </summary>
public static class OpenPgpKeys
{
    /// <summary>More keys than anyone pushes at once; the body limit bounds the size anyway.</summary>
    public const int MaxKeysPerUpload = 16;

    private const string Dashes = "-----";
    private const string BeginPrefix = "-----BEGIN PGP ";
    private const string PublicBlock = "PUBLIC KEY BLOCK";
    private const string PrivateBlock = "PRIVATE KEY BLOCK";

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private static readonly int[] Certifications =
        [PgpSignature.DefaultCertification, PgpSignature.NoCertification, PgpSignature.CasualCertification, PgpSignature.PositiveCertification];

    /// <summary>Every public key in <paramref name="keyText"/>, or why the text is refused.</summary>
    public static Outcome<IReadOnlyList<KeyDetails>> Parse(string? keyText, int maxUserIds = int.MaxValue)
    {
        if (string.IsNullOrWhiteSpace(keyText))
        {
            return Problem.Invalid("keytext is empty: send the ASCII-armoured public key (gpg --export --armor) as form field keytext");
        }
        var blocks = ArmorBlocks(keyText);
        if (!blocks.Succeeded)
        {
            return new Problem(blocks.Failure, blocks.Message);
        }
        var keys = new List<KeyDetails>();
        foreach (var block in blocks.Value!)
        {
            var rings = ReadRings(block);
            if (!rings.Succeeded)
            {
                return new Problem(rings.Failure, rings.Message);
            }
            foreach (var ring in rings.Value!)
            {
                // A block holding one key is stored as sent; keys sharing a block each get their own armour.
                var described = Describe(ring, rings.Value!.Count == 1 ? block : Armor(ring), maxUserIds);
                if (!described.Succeeded)
                {
                    return new Problem(described.Failure, described.Message);
                }
                keys.Add(described.Value!);
            }
        }
        if (keys.Count > MaxKeysPerUpload)
        {
            return Problem.Invalid($"keytext holds {keys.Count} keys; push at most {MaxKeysPerUpload} at once");
        }
        var duplicate = keys.GroupBy(k => k.Fingerprint).FirstOrDefault(g => g.Count() > 1);
        return duplicate is not null
            ? Problem.Invalid($"keytext holds key {duplicate.Key} more than once")
            : keys;
    }

    /// <summary>A stored key's details, read again from its armour (e.g. to see whether it is revoked).</summary>
    public static KeyDetails Read(string armored)
    {
        var rings = ReadRings(armored);
        if (!rings.Succeeded || rings.Value!.Count != 1)
        {
            throw new InvalidDataException($"stored key is unreadable: {rings.Message}");
        }
        var described = Describe(rings.Value[0], armored);
        return described.Succeeded ? described.Value! : throw new InvalidDataException(described.Message);
    }

    /// <summary>
    /// <paramref name="pushed"/> merged with the <paramref name="stored"/> armour, so a re-push never loses a user ID,
    /// subkey, signature or revocation. Texts are kept verbatim where possible: the push's when it holds everything
    /// stored, the stored one when the push adds nothing; only a true mix is armoured afresh.
    /// </summary>
    public static KeyDetails Merge(KeyDetails pushed, string stored)
    {
        var pushedRing = ReadRings(pushed.Armored).Value![0];
        var storedRing = ReadRings(stored).Value![0];
        if (PgpPublicKeyRing.Join(pushedRing, storedRing).GetEncoded().AsSpan().SequenceEqual(pushedRing.GetEncoded()))
        {
            return pushed;
        }
        var merged = PgpPublicKeyRing.Join(storedRing, pushedRing);
        if (merged.GetEncoded().AsSpan().SequenceEqual(storedRing.GetEncoded()))
        {
            return Read(stored);
        }
        var described = Describe(merged, Armor(merged));
        return described.Succeeded ? described.Value! : pushed;
    }

    /// <summary>The armour blocks of the text, each exactly as written (its end line's line break included).</summary>
    private static Outcome<List<string>> ArmorBlocks(string text)
    {
        var blocks = new List<string>();
        var at = 0;
        while ((at = text.IndexOf(BeginPrefix, at, StringComparison.Ordinal)) >= 0)
        {
            var typeEnd = text.IndexOf(Dashes, at + BeginPrefix.Length, StringComparison.Ordinal);
            var lineEnd = text.IndexOf('\n', at);
            if (typeEnd < 0 || (lineEnd >= 0 && typeEnd > lineEnd))
            {
                return Problem.Invalid("keytext has a malformed armour header line");
            }
            var type = text[(at + BeginPrefix.Length)..typeEnd];
            if (type == PrivateBlock)
            {
                return Problem.Invalid("keytext holds a secret key: push only the public key (gpg --export --armor), and keep the secret key to yourself");
            }
            if (type != PublicBlock)
            {
                return Problem.Invalid($"keytext holds a 'PGP {Printable(type)}' block; only PGP PUBLIC KEY BLOCKs are accepted");
            }
            var endLine = $"-----END PGP {PublicBlock}-----";
            var end = text.IndexOf(endLine, typeEnd, StringComparison.Ordinal);
            if (end < 0)
            {
                return Problem.Invalid("keytext has a public key block without its END line (truncated?)");
            }
            end += endLine.Length;
            if (end < text.Length && text[end] == '\r')
            {
                end++;
            }
            if (end < text.Length && text[end] == '\n')
            {
                end++;
            }
            blocks.Add(text[at..end]);
            at = end;
        }
        return blocks.Count == 0
            ? Problem.Invalid("keytext holds no ASCII-armoured public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)")
            : blocks;
    }

    private static Outcome<List<PgpPublicKeyRing>> ReadRings(string block)
    {
        if (block.Any(c => c > 0x7F))
        {
            return Problem.Invalid("the key block has characters that are not ASCII; armour is plain ASCII");
        }
        var rings = new List<PgpPublicKeyRing>();
        try
        {
            using var armored = new ArmoredInputStream(new MemoryStream(Encoding.ASCII.GetBytes(block)));
            var factory = new PgpObjectFactory(armored);
            while (factory.NextPgpObject() is { } item)
            {
                switch (item)
                {
                    case PgpPublicKeyRing ring:
                        rings.Add(ring);
                        break;
                    case PgpSecretKeyRing:
                        return Problem.Invalid("the key block holds secret key material: push only the public key (gpg --export --armor)");
                    default:
                        return Problem.Invalid($"the key block holds a {item.GetType().Name.Replace("Pgp", "", StringComparison.Ordinal)}, not a public key");
                }
            }
            // Reading to the end is what makes the armour check its checksum.
            armored.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is IOException or PgpException or ArgumentException or InvalidOperationException or FormatException)
        {
            return Problem.Invalid($"the key block is damaged or not OpenPGP ({e.Message.TrimEnd('.')})");
        }
        return rings.Count == 0 ? Problem.Invalid("the key block is empty") : rings;
    }

    private static Outcome<KeyDetails> Describe(PgpPublicKeyRing ring, string armored, int maxUserIds = int.MaxValue)
    {
        var primary = ring.GetPublicKey();
        if (primary.Version != 4)
        {
            return Problem.Invalid($"key {KeyIdOf(primary)} is an OpenPGP version {primary.Version} key; only version 4 keys are accepted");
        }
        // Counted before any signature is checked: each user ID costs signature verifications.
        var rawUserIds = primary.GetRawUserIds().Count();
        if (rawUserIds > maxUserIds)
        {
            return Problem.Invalid($"key {KeyIdOf(primary)} has {rawUserIds} user IDs; this keyserver takes at most {maxUserIds} per key");
        }
        var fingerprint = Convert.ToHexString(primary.GetFingerprint());
        var userIds = new List<KeyUserId>();
        // User IDs are UTF-8 on the wire; BouncyCastle's string view of them is not, so decode the raw bytes here
        // (its string-taking lookups and checks encode as UTF-8, so this string finds and verifies the right packet).
        foreach (var raw in primary.GetRawUserIds())
        {
            if (Utf8OrNull(raw) is not { } uid || uid.Any(char.IsControl) || CertifiedAt(primary, uid) is not { } certified)
            {
                continue;
            }
            userIds.Add(new KeyUserId(uid, certified));
        }
        if (userIds.Count == 0)
        {
            return Problem.Invalid($"key {fingerprint} has no user ID signed by its own primary key; generate it with gpg or 'singularity key newpair'");
        }
        var subkeys = ring.GetPublicKeys().Where(k => !k.IsMasterKey && IsBound(primary, k))
            .Select(k => Convert.ToHexString(k.GetFingerprint())).ToList();
        var validSeconds = primary.GetValidSeconds();
        var created = new DateTimeOffset(DateTime.SpecifyKind(primary.CreationTime, DateTimeKind.Utc));
        return new KeyDetails(fingerprint, armored, userIds, subkeys, (int)primary.Algorithm, primary.BitStrength, created,
            validSeconds > 0 ? created.AddSeconds(validSeconds) : null, IsRevokedBySelf(primary));
    }

    /// <summary>When the primary key last certified this user ID; null if it never did or revoked it.</summary>
    private static DateTimeOffset? CertifiedAt(PgpPublicKey primary, string uid)
    {
        DateTimeOffset? certified = null;
        foreach (var signature in primary.GetSignaturesForId(uid) ?? [])
        {
            if (signature.KeyId != primary.KeyId || !Verifies(signature, s => s.VerifyCertification(uid, primary), primary))
            {
                continue;
            }
            if (signature.SignatureType == PgpSignature.CertificationRevocation)
            {
                return null;
            }
            if (Certifications.Contains(signature.SignatureType))
            {
                var at = new DateTimeOffset(DateTime.SpecifyKind(signature.CreationTime, DateTimeKind.Utc));
                certified = certified is { } earlier && earlier > at ? earlier : at;
            }
        }
        return certified;
    }

    private static bool IsBound(PgpPublicKey primary, PgpPublicKey subkey) =>
        subkey.GetSignaturesOfType(PgpSignature.SubkeyBinding)
            .Any(s => s.KeyId == primary.KeyId && Verifies(s, v => v.VerifyCertification(primary, subkey), primary))
        && !subkey.GetSignaturesOfType(PgpSignature.SubkeyRevocation)
            .Any(s => s.KeyId == primary.KeyId && Verifies(s, v => v.VerifyCertification(primary, subkey), primary));

    private static bool IsRevokedBySelf(PgpPublicKey primary) =>
        primary.GetSignaturesOfType(PgpSignature.KeyRevocation)
            .Any(s => s.KeyId == primary.KeyId && Verifies(s, v => v.VerifyCertification(primary), primary));

    private static bool Verifies(PgpSignature signature, Func<PgpSignature, bool> check, PgpPublicKey by)
    {
        try
        {
            signature.InitVerify(by);
            return check(signature);
        }
        catch (Exception e) when (e is PgpException or ArgumentException or InvalidOperationException or IOException)
        {
            // An algorithm BouncyCastle cannot check, or a damaged signature: it proves nothing.
            return false;
        }
    }

    private static string Armor(PgpPublicKeyRing ring)
    {
        using var buffer = new MemoryStream();
        using (var armor = new ArmoredOutputStream(buffer))
        {
            ring.Encode(armor);
        }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    private static string? Utf8OrNull(byte[] raw)
    {
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static string KeyIdOf(PgpPublicKey key) => key.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    private static string Printable(string text) =>
        new(text.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c == ' ' ? c : '?').ToArray());
}
