using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// Pushes racing each other: different images to one tag, and one image from two clients at once. The end state is
/// one consistent tag, the store agrees with the database, and every byte served matches its hash.
/// </summary>
public sealed class ConcurrentPushTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public ConcurrentPushTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Fact]
    public async Task Different_images_pushed_to_one_tag_at_once_leave_one_consistent_tag()
    {
        var token = await server.CreateTokenAsync("racer");
        var images = new List<(string Path, string Hash, long Size)>();
        for (var i = 0; i < 6; i++)
        {
            images.Add(await sifs.CreateAsync(i % 2 == 0 ? 200_000 : 6 * 1024 * 1024));
        }
        // Namespace first, so the race is about the image and the tag, not about who creates the collection.
        await new LibraryProtocol(server.Client(token)).EnsureContainerAsync("racer", "race", "img");

        var pushed = await Task.WhenAll(images.Select((sif, i) => Task.Run(() =>
            new LibraryProtocol(server.Client(token)).PushAsync("racer/race/img", sif, multipart: i % 2 == 1, tags: "latest"))));

        var library = new LibraryProtocol(server.Client(token));
        var resolved = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/racer/race/img:latest?arch=amd64"));
        var winner = (string)resolved["id"]!;
        Assert.Contains(winner, pushed);
        var containerId = (string)resolved["container"]!;
        var tags = await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v2/tags/{containerId}"));
        Assert.Equal(winner, (string)tags["amd64"]!["latest"]!);
        Assert.Equal(winner, (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync($"v1/tags/{containerId}")))["latest"]!);
        Assert.Equal((string)resolved["hash"]!, "sha256." + await library.PullAsync("racer/race/img:latest"));
        foreach (var sif in images)
        {
            Assert.Equal(sif.Hash, "sha256." + await library.PullAsync($"racer/race/img:{sif.Hash}"));
        }
        Assert.Empty(await server.StoreProblemsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_same_image_pushed_by_two_clients_at_once_is_stored_once_and_both_pushes_succeed(bool multipart)
    {
        var user = multipart ? "twin-multi" : "twin-single";
        var (first, second) = (await server.CreateTokenAsync(user), await server.CreateTokenAsync(user));
        var sif = await sifs.CreateAsync(multipart ? 11 * 1024 * 1024 : 3 * 1024 * 1024);
        await new LibraryProtocol(server.Client(first)).EnsureContainerAsync(user, user, "same");

        var ids = await Task.WhenAll(new[] { first, second }.Select((token, i) => Task.Run(() =>
            new LibraryProtocol(server.Client(token)).PushAsync($"{user}/{user}/same", sif, multipart: multipart, tags: $"from-{i}"))));

        Assert.Equal(ids[0], ids[1]);
        var library = new LibraryProtocol(server.Client(first));
        foreach (var tag in new[] { "from-0", "from-1" })
        {
            Assert.Equal(sif.Hash, "sha256." + await library.PullAsync($"{user}/{user}/same:{tag}"));
        }
        Assert.Empty(await server.StoreProblemsAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataPath, "uploads"), "*.upload"));
    }

    [Fact]
    public async Task First_pushes_into_a_new_collection_at_once_all_succeed()
    {
        var token = await server.CreateTokenAsync("founder");
        var images = new List<(string Path, string Hash, long Size)>();
        for (var i = 0; i < 5; i++)
        {
            images.Add(await sifs.CreateAsync(50_000));
        }

        // Each push finds no collection and creates it, as the client does: only one create can win the name.
        await Task.WhenAll(images.Select((sif, i) => Task.Run(() =>
            new LibraryProtocol(server.Client(token)).PushAsync($"founder/brand-new/c{i}", sif))));

        var library = new LibraryProtocol(server.Client(token));
        for (var i = 0; i < images.Count; i++)
        {
            Assert.Equal(images[i].Hash, "sha256." + await library.PullAsync($"founder/brand-new/c{i}:latest"));
        }
        // Someone else's name stays taken.
        var other = new LibraryProtocol(server.Client(await server.CreateTokenAsync("latecomer")));
        await LibraryProtocol.ErrorAsync(await other.Http.PostAsync("v1/collections", LibraryProtocol.Json(new { name = "brand-new" })), HttpStatusCode.Conflict);
    }

    public void Dispose() => sifs.Dispose();
}
