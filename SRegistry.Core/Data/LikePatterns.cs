namespace SRegistry.Core.Data;

/// <summary>
/// LIKE patterns built from what users type: their % and _ are matched literally (escaped with a backslash,
/// so every query using these passes "\\" as the escape character), and overlong input is cut short.
/// </summary>
public static class LikePatterns
{
    public const string Escape = "\\";

    public static string Containing(string text, int maxLength = 128) => "%" + Literal(text, maxLength) + "%";

    public static string StartingWith(string text, int maxLength = 128) => Literal(text, maxLength) + "%";

    private static string Literal(string text, int maxLength)
    {
        var cut = text.Length > maxLength ? text[..maxLength] : text;
        return cut.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
    }
}
