using System.Text;

namespace SRegistry.Core.Sif;

/// <summary>
/// An OpenPGP cleartext-signed message (RFC 4880 section 7), as a SIF signature object holds it: the text, the bytes
/// its signature covers (dash-escaping undone, trailing blanks dropped, CRLF line ends, no final line end) and the
/// armoured signature block.
/// </summary>
public sealed record ClearSignedMessage(string Text, string ArmoredSignature)
{
    /// <summary>The bytes an OpenPGP text signature over <paramref name="text"/> covers.</summary>
    public static byte[] SignedBytesOf(string text) =>
        Encoding.UTF8.GetBytes(string.Join("\r\n", text.Split('\n').Select(l => l.TrimEnd(' ', '\t'))));

    private const string Begin = "-----BEGIN PGP SIGNED MESSAGE-----";
    private const string SignatureBegin = "-----BEGIN PGP SIGNATURE-----";
    private const string SignatureEnd = "-----END PGP SIGNATURE-----";

    public static ClearSignedMessage? Parse(string message)
    {
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var i = Array.FindIndex(lines, l => l.TrimEnd() == Begin);
        if (i < 0)
        {
            return null;
        }
        // Armour headers ("Hash: SHA256") end at the first empty line.
        for (i++; i < lines.Length && lines[i].TrimEnd().Length > 0; i++)
        {
        }
        var text = new List<string>();
        for (i++; i < lines.Length && lines[i].TrimEnd() != SignatureBegin; i++)
        {
            text.Add(lines[i].StartsWith("- ", StringComparison.Ordinal) ? lines[i][2..] : lines[i]);
        }
        var end = Array.FindIndex(lines, Math.Min(i, lines.Length), l => l.TrimEnd() == SignatureEnd);
        if (i >= lines.Length || end < 0)
        {
            return null;
        }
        var armored = string.Join('\n', lines[i..(end + 1)]) + "\n";
        return new ClearSignedMessage(string.Join('\n', text), armored);
    }
}
