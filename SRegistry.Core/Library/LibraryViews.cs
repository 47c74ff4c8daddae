using SRegistry.Core.Model;

namespace SRegistry.Core.Library;

/// <summary>A namespace in library references: a user or a team.</summary>
public sealed record EntityView(string Id, string Name, string Description, bool IsTeam, bool DefaultPrivate, DateTimeOffset CreatedAt);

/// <summary>A collection with what callers show about it.</summary>
public sealed record CollectionView(Collection Collection, string OwnerName, IReadOnlyList<string> ContainerIds);

/// <summary>A container with its collection, owner and tag maps.</summary>
public sealed record ContainerView(Container Container, Collection Collection, string OwnerName, IReadOnlyList<string> ImageIds,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ArchTags);

/// <summary>An image with the names around it and the tags pointing at it.</summary>
public sealed record ImageView(Image Image, Container Container, Collection Collection, string OwnerName, IReadOnlyList<string> Tags);
