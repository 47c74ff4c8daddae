using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Accounts;

/// <summary>
/// Admin rights as the API shows them: a private collection of someone else is there (200) for admins and does not
/// exist (404) for anyone else.
/// </summary>
internal static class PrivateCollectionProbe
{
    public const string Path = "v1/collections/owner/secret";

    /// <summary>Makes owner/secret with a container in it through the API; the caller then makes it private.</summary>
    public static Task CreateAsync(HttpClient ownerClient) => new LibraryProtocol(ownerClient).EnsureContainerAsync("owner", "secret", "box");

    public static async Task<bool> SeesItAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Path);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            var other => throw new InvalidOperationException($"unexpected {other} for {Path}: {await response.Content.ReadAsStringAsync()}"),
        };
    }
}
