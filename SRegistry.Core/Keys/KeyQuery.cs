using System.Globalization;
using SRegistry.Core.Library;

namespace SRegistry.Core.Keys;

public enum KeyQueryKind
{
    /// <summary>8 hex digits: the low 32 bits of a fingerprint.</summary>
    ShortKeyId,
    /// <summary>16 hex digits (fewer when a client dropped leading zeros): the low 64 bits of a fingerprint.</summary>
    LongKeyId,
    /// <summary>32 hex digits: an OpenPGP v3 fingerprint. Only v4 keys are stored, so it never matches.</summary>
    V3Fingerprint,
    /// <summary>40 hex digits.</summary>
    Fingerprint,
    /// <summary>Anything else: part of a user ID (or, with exact, a whole user ID or e-mail address).</summary>
    UserId,
}

/// <summary>
/// The HKP <c>search</c> grammar (docs/protocol/keyserver.md#search-grammar): <c>0x</c> and hex is a key ID or fingerprint of the primary key or a
/// subkey; other text is a case-insensitive part of a user ID, or with <c>exact=on</c> a whole user ID or e-mail.
/// </summary>
public sealed record KeyQuery(KeyQueryKind Kind, string Value, bool Exact)
{
    public const int MaxTextLength = 256;

    public bool IsByKey => Kind != KeyQueryKind.UserId;

    public static Outcome<KeyQuery> Parse(string? search, bool exact)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return Problem.Invalid("search is required: a key ID or fingerprint as 0x<hex>, or part of a name or e-mail address");
        }
        if (search.Length > MaxTextLength)
        {
            return Problem.Invalid($"search is longer than {MaxTextLength} characters");
        }
        if (search.Any(char.IsControl))
        {
            return Problem.Invalid("search contains control characters");
        }
        if (!search.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var text = search.Trim();
            return new KeyQuery(KeyQueryKind.UserId, text, exact);
        }
        var hex = search[2..];
        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return Problem.Invalid($"'{Shorten(search)}' is not a key ID: after 0x come only hex digits");
        }
        hex = hex.ToUpperInvariant();
        return hex.Length switch
        {
            8 => new KeyQuery(KeyQueryKind.ShortKeyId, hex, exact),
            // Clients format 64-bit key IDs as numbers, so leading zeros go missing (docs/protocol/keyserver.md#k1).
            > 8 and <= 16 => new KeyQuery(KeyQueryKind.LongKeyId, hex.PadLeft(16, '0'), exact),
            32 => new KeyQuery(KeyQueryKind.V3Fingerprint, hex, exact),
            40 => new KeyQuery(KeyQueryKind.Fingerprint, hex, exact),
            _ => Problem.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"a key ID or fingerprint has 8, 9 to 16, 32 or 40 hex digits after 0x, not {hex.Length}")),
        };
    }

    /// <summary>Whether a stored user ID answers this text query.</summary>
    public bool MatchesUserId(string userId)
    {
        if (!Exact)
        {
            return userId.Contains(Value, StringComparison.OrdinalIgnoreCase);
        }
        if (userId.Equals(Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var open = userId.LastIndexOf('<');
        var close = userId.LastIndexOf('>');
        var email = open >= 0 && close > open ? userId[(open + 1)..close] : userId;
        return email.Equals(Value.Trim('<', '>'), StringComparison.OrdinalIgnoreCase);
    }

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..48] + "…";
}
