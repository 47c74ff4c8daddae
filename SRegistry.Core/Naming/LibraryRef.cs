namespace SRegistry.Core.Naming;

/// <summary>
/// A reference as the library protocol sends it: <c>[entity/][collection/]container[:tag-or-hash]</c>.
/// Collection names are global, so the entity is only the namespace the user typed (checked later against the collection).
/// </summary>
public sealed record LibraryRef(string? Entity, string Collection, string Container, string Tag)
{
    public bool IsHash => Tag.StartsWith(NameRules.HashPrefix, StringComparison.Ordinal);

    public override string ToString() =>
        (Entity is null ? "" : Entity + "/") + Collection + "/" + Container + ":" + Tag;

    /// <summary>Parses a reference with an optional tag (defaults to <c>latest</c>).</summary>
    public static ParseResult<LibraryRef> Parse(string? path, string defaultCollection)
    {
        var segments = SplitPath(path);
        if (segments.Length is 0 or > 3)
        {
            return ParseResult<LibraryRef>.Fail("a reference has one to three segments: [entity/][collection/]container[:tag]");
        }
        var last = segments[^1];
        var tag = NameRules.DefaultTag;
        var colon = last.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            tag = last[(colon + 1)..];
            segments[^1] = last[..colon];
            if (tag.Length == 0)
            {
                tag = NameRules.DefaultTag;
            }
        }
        if (!NameRules.IsTag(tag) && !NameRules.IsImageHash(tag))
        {
            return ParseResult<LibraryRef>.Fail($"invalid tag '{Shorten(tag)}': {NameRules.TagRule}, or sha256.<64 hex digits>");
        }
        var (entity, collection, container) = segments.Length switch
        {
            3 => (segments[0], segments[1], segments[2]),
            2 => ((string?)null, segments[0], segments[1]),
            _ => ((string?)null, defaultCollection, segments[0]),
        };
        return Validate(entity, collection, container) is { } error
            ? ParseResult<LibraryRef>.Fail(error)
            : ParseResult<LibraryRef>.Ok(new LibraryRef(entity, collection, container, tag));
    }

    /// <summary>Checks the name parts of a reference; null when they are all valid.</summary>
    public static string? Validate(string? entity, string? collection, string? container)
    {
        if (entity is not null && !NameRules.IsEntityName(entity))
        {
            return $"invalid entity name '{Shorten(entity)}': {NameRules.ContainerNameRule}";
        }
        if (collection is not null && !NameRules.IsCollectionName(collection))
        {
            return $"invalid collection name '{Shorten(collection)}': {NameRules.CollectionNameRule}";
        }
        if (container is not null && !NameRules.IsContainerName(container))
        {
            return $"invalid container name '{Shorten(container)}': {NameRules.ContainerNameRule}";
        }
        return null;
    }

    /// <summary>Splits a path on '/', dropping empty segments (older clients send <c>v1/images//name</c>).</summary>
    public static string[] SplitPath(string? path) =>
        (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Keeps hostile input out of messages at a readable length.</summary>
    public static string Shorten(string value)
    {
        var clean = new string(value.Select(c => char.IsControl(c) ? '?' : c).Take(64).ToArray());
        return value.Length > 64 ? clean + "…" : clean;
    }
}

public readonly record struct ParseResult<T>(T? Value, string? Error)
{
    public bool Succeeded => Error is null;
    public static ParseResult<T> Ok(T value) => new(value, null);
    public static ParseResult<T> Fail(string error) => new(default, error);
}
