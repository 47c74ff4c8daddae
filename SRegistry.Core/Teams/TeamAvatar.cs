namespace SRegistry.Core.Teams;

/// <summary>
/// Checks a team avatar upload. The type is read from the bytes themselves, never from the file name or the
/// browser's claim, so nothing but a real raster image is ever served back from the avatar URL.
/// </summary>
public static class TeamAvatar
{
    public const int MaxBytes = 256 * 1024;

    public static readonly IReadOnlyList<string> AllowedTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    /// <summary>The image's content type, or an error a user can act on.</summary>
    public static (string? ContentType, string? Error) Check(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return (null, "the avatar file is empty");
        }
        if (bytes.Length > MaxBytes)
        {
            return (null, $"the avatar is larger than {MaxBytes / 1024} KiB");
        }
        var type = Sniff(bytes);
        return type is null ? (null, "the avatar must be a PNG, JPEG, GIF or WebP image") : (type, null);
    }

    private static string? Sniff(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }
        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }
        return null;
    }
}
