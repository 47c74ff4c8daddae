namespace SRegistry.Web.Auth;

/// <summary>
/// The machine API: the library API (<c>/v1</c>, <c>/v2</c>), the keyserver (<c>/pks</c>) and the blob transfers
/// (<c>/_blobs</c>). These authenticate bearer tokens only: a browser's dashboard cookie sent along (say by a page on a
/// sibling site) leaves the caller anonymous, so it cannot act in the signed-in user's name.
/// </summary>
public static class ApiPaths
{
    private static readonly PathString[] Prefixes = ["/v1", "/v2", "/pks", "/_blobs"];

    public static bool IsApi(PathString path) => Prefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));
}
