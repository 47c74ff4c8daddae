namespace SRegistry.Core.Naming;

/// <summary>Descriptions of collections, containers and images as stored: trimmed, capped, and empty when none was given.</summary>
public static class Descriptions
{
    public const int MaxLength = 1024;

    /// <summary>The client sends "No description" when the user gave none.</summary>
    public static string Clean(string? description)
    {
        var text = (description ?? "").Trim();
        if (text.Equals("No description", StringComparison.OrdinalIgnoreCase))
        {
            return "";
        }
        return text.Length > MaxLength ? text[..MaxLength] : text;
    }
}
