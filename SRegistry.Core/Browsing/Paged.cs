namespace SRegistry.Core.Browsing;

/// <summary>One page of a longer list, with the size of the whole list.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Total);
