namespace SRegistry.Core.Model;

/// <summary>Opaque, URL-path-safe identifiers (lower-case hex), time-ordered so inserts stay local in indexes.</summary>
public static class Ids
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
