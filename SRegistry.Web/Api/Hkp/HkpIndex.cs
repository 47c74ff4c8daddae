using System.Globalization;
using System.Text;
using SRegistry.Core.Keys;

namespace SRegistry.Web.Api.Hkp;

/// <summary>
/// The machine-readable HKP index (docs/protocol/keyserver.md#k1-answers): an <c>info</c> line with the number of keys, then per key a <c>pub</c>
/// line and its <c>uid</c> lines. Fields are separated by colons, so user IDs are percent-escaped.
/// </summary>
public static class HkpIndex
{
    public static string Format(IReadOnlyList<KeyDetails> keys, bool fingerprints, DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"info:1:{keys.Count}\n");
        foreach (var key in keys)
        {
            var flags = (key.IsRevoked ? "r" : "") + (key.IsExpiredAt(now) ? "e" : "");
            text.Append(CultureInfo.InvariantCulture,
                $"pub:{(fingerprints ? key.Fingerprint : key.KeyId)}:{key.Algorithm}:{key.Bits}:{Seconds(key.CreatedAt)}:{Seconds(key.ExpiresAt)}:{flags}\n");
            foreach (var uid in key.UserIds)
            {
                text.Append(CultureInfo.InvariantCulture, $"uid:{Escape(uid.Text)}:{Seconds(uid.CertifiedAt)}::\n");
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Percent-escapes what would break the line or be misread: the field separator, '%', '+' (the client unescapes with
    /// query-string rules, where '+' is a space), control characters and every non-ASCII byte of the UTF-8 text.
    /// </summary>
    public static string Escape(string userId)
    {
        var escaped = new StringBuilder(userId.Length);
        foreach (var b in Encoding.UTF8.GetBytes(userId))
        {
            if (b is < 0x20 or >= 0x7F or (byte)':' or (byte)'%' or (byte)'+')
            {
                escaped.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
            else
            {
                escaped.Append((char)b);
            }
        }
        return escaped.ToString();
    }

    private static string Seconds(DateTimeOffset? at) => at is { } value ? value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : "";
}
