using System.Globalization;

namespace SRegistry.Web.Api.Oci;

/// <summary>A PATCH chunk's <c>Content-Range</c>: <c>&lt;start&gt;-&lt;end&gt;</c>, inclusive (a <c>bytes </c> prefix is tolerated).</summary>
public readonly record struct ChunkRange(long Start, long End)
{
    /// <summary>False when a header is present but malformed; true with null when there is none (a streamed chunk).</summary>
    public static bool TryParse(string header, out ChunkRange? range)
    {
        range = null;
        var text = header.Trim();
        if (text.Length == 0)
        {
            return true;
        }
        if (text.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            text = text[5..].TrimStart(' ', '=');
        }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            text = text[..slash];
        }
        var parts = text.Split('-');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end) || end < start)
        {
            return false;
        }
        range = new ChunkRange(start, end);
        return true;
    }
}
