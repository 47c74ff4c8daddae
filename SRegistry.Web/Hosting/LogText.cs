using System.Text;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Makes outside text safe to put in a log line: control characters (C0, DEL, C1) and the Unicode line and paragraph
/// separators become <c>%XX</c> escapes of their UTF-8 bytes, so a decoded <c>%0A</c> in a request path, a username
/// or a provider's error text cannot start a forged log line or move a terminal's cursor.
/// </summary>
public static class LogText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.EnumerateRunes().Any(NeedsEscape))
        {
            return text ?? "";
        }
        var escaped = new StringBuilder(text.Length + 16);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (!NeedsEscape(rune))
            {
                escaped.Append(rune.ToString());
                continue;
            }
            var length = rune.EncodeToUtf8(bytes);
            foreach (var b in bytes[..length])
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return escaped.ToString();
    }

    private static bool NeedsEscape(Rune rune) => Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029;
}
