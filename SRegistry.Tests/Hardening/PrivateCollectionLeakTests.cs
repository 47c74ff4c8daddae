using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Browsing;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// A private collection is indistinguishable from one that does not exist, for strangers and anonymous callers alike:
/// not in search, not in counts, not through hashes, the same status, message and headers as a missing one.
/// </summary>
public sealed class PrivateCollectionLeakTests : IClassFixture<PrivateCollectionLeakTests.World>
{
    public sealed class World : RegistryServer, IAsyncLifetime
    {
        private readonly SifFiles sifs = new();

        public string OwnerToken { get; private set; } = "";
        public string StrangerToken { get; private set; } = "";
        public string HiddenContainerId { get; private set; } = "";
        public string HiddenImageId { get; private set; } = "";
        public string HiddenCollectionId { get; private set; } = "";
        public (string Path, string Hash, long Size) Hidden { get; private set; }

        public async ValueTask InitializeAsync()
        {
            if (!SifFiles.SiftoolAvailable)
            {
                return;
            }
            OwnerToken = await CreateTokenAsync("keeper");
            StrangerToken = await CreateTokenAsync("stranger");
            var owner = new LibraryProtocol(Client(OwnerToken));
            Hidden = await sifs.CreateAsync(30_000);
            HiddenImageId = await owner.PushAsync("keeper/hideout/secretbox", Hidden, tags: "v1");
            HiddenContainerId = await owner.EnsureContainerAsync("keeper", "hideout", "secretbox");
            HiddenCollectionId = (string)(await LibraryProtocol.DataAsync(await owner.Http.GetAsync("v1/collections/keeper/hideout")))["id"]!;
            await MakeCollectionPrivateAsync("hideout");
            await owner.PushAsync("keeper/showroom/box", await sifs.CreateAsync(30_000), tags: "v1");
            await new LibraryProtocol(Client(StrangerToken)).EnsureContainerAsync("stranger", "mine", "box");
        }

        async ValueTask IAsyncDisposable.DisposeAsync()
        {
            sifs.Dispose();
            await DisposeAsync();
        }
    }

    private readonly World world;

    public PrivateCollectionLeakTests(World world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    private IEnumerable<HttpClient> Outsiders() => [world.Client(), world.Client(world.StrangerToken)];

    [Fact]
    public async Task Search_finds_nothing_of_a_private_collection()
    {
        foreach (var client in Outsiders())
        {
            foreach (var text in new[] { "hideout", "secretbox", "keeper", world.Hidden.Hash[7..20] })
            {
                var found = await LibraryProtocol.DataAsync(await client.GetAsync($"v1/search?value={text}"));
                var json = found.ToJsonString();
                Assert.DoesNotContain("hideout", json, StringComparison.Ordinal);
                Assert.DoesNotContain("secretbox", json, StringComparison.Ordinal);
                Assert.DoesNotContain(world.HiddenImageId, json, StringComparison.Ordinal);
            }
        }
        // The owner does find it: the test would see a leak if there were one.
        var own = await LibraryProtocol.DataAsync(await world.Client(world.OwnerToken).GetAsync("v1/search?value=secretbox"));
        Assert.Contains("secretbox", own.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookups_answer_exactly_as_for_something_that_does_not_exist()
    {
        var pairs = new (string Private, string Missing)[]
        {
            ("v1/collections/keeper/hideout", "v1/collections/keeper/nowhere"),
            ("v1/collections/hideout", "v1/collections/nowhere"),
            ("v1/containers/keeper/hideout/secretbox", "v1/containers/keeper/nowhere/secretbox"),
            ("v1/images/keeper/hideout/secretbox:v1?arch=amd64", "v1/images/keeper/nowhere/secretbox:v1?arch=amd64"),
            ($"v1/images/keeper/hideout/secretbox:{world.Hidden.Hash}", $"v1/images/keeper/nowhere/secretbox:{world.Hidden.Hash}"),
            ("v1/imagefile/keeper/hideout/secretbox:v1?arch=amd64", "v1/imagefile/keeper/nowhere/secretbox:v1?arch=amd64"),
            ($"v2/tags/{world.HiddenContainerId}", "v2/tags/01a0000000000000000000000000cafe"),
            ($"v1/tags/{world.HiddenContainerId}", "v1/tags/01a0000000000000000000000000cafe"),
        };
        foreach (var client in Outsiders())
        {
            foreach (var (hidden, missing) in pairs)
            {
                await AssertSameAnswerAsync(await client.GetAsync(hidden), await client.GetAsync(missing));
            }
        }
        var stranger = world.Client(world.StrangerToken);
        await AssertSameAnswerAsync(
            await stranger.PostAsync($"v2/tags/{world.HiddenContainerId}", LibraryProtocol.Json(new { Arch = "amd64", Tag = "mine", ImageID = world.HiddenImageId })),
            await stranger.PostAsync("v2/tags/01a0000000000000000000000000cafe", LibraryProtocol.Json(new { Arch = "amd64", Tag = "mine", ImageID = world.HiddenImageId })));
        await AssertSameAnswerAsync(
            await stranger.PostAsync("v1/containers", LibraryProtocol.Json(new { name = "intruder", collection = world.HiddenCollectionId })),
            await stranger.PostAsync("v1/containers", LibraryProtocol.Json(new { name = "intruder", collection = "01a0000000000000000000000000cafe" })));
        await AssertSameAnswerAsync(
            await stranger.DeleteAsync("v1/images/keeper/hideout/secretbox:v1?arch=amd64"),
            await stranger.DeleteAsync("v1/images/keeper/nowhere/secretbox:v1?arch=amd64"));
        await AssertSameAnswerAsync(
            await stranger.PostAsync($"v2/imagefile/{world.HiddenImageId}", LibraryProtocol.Json(new { filesize = 10 })),
            await stranger.PostAsync("v2/imagefile/01a0000000000000000000000000cafe", LibraryProtocol.Json(new { filesize = 10 })));
    }

    [Fact]
    public async Task Knowing_a_private_images_hash_does_not_skip_the_upload()
    {
        var stranger = new LibraryProtocol(world.Client(world.StrangerToken));
        var containerId = await stranger.EnsureContainerAsync("stranger", "mine", "box");
        var (_, uploaded) = await stranger.EnsureImageAsync("stranger/mine/box", containerId, world.Hidden.Hash);
        Assert.False(uploaded);
        await LibraryProtocol.ErrorAsync(await stranger.Http.GetAsync($"v1/imagefile/stranger/mine/box:{world.Hidden.Hash}?arch=amd64"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Collection_counts_leave_private_collections_out()
    {
        var (anonymous, stranger, owner) = await world.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var directory = sp.GetRequiredService<CollectionBrowsing>();
            var strangerId = (await users.EnsureLocalUserAsync("stranger", false)).Id;
            var ownerId = (await users.EnsureLocalUserAsync("keeper", false)).Id;
            return (await directory.BrowseAsync(Principal.Anonymous, new CollectionQuery()),
                await directory.BrowseAsync(await users.PrincipalForAsync(strangerId), new CollectionQuery()),
                await directory.BrowseAsync(await users.PrincipalForAsync(ownerId), new CollectionQuery()));
        });
        Assert.Equal(owner.Total - 1, anonymous.Total);
        Assert.Equal(owner.Total - 1, stranger.Total);
        Assert.DoesNotContain(anonymous.Items, c => c.Name == "hideout");
        Assert.Contains(owner.Items, c => c.Name == "hideout");
    }

    /// <summary>Same status, same message once the names are swapped, same headers (no ETag or anything else to tell them apart).</summary>
    private static async Task AssertSameAnswerAsync(HttpResponseMessage hidden, HttpResponseMessage missing)
    {
        var (hiddenText, missingText) = (await hidden.Content.ReadAsStringAsync(), await missing.Content.ReadAsStringAsync());
        Assert.True(missing.StatusCode == hidden.StatusCode, $"{hidden.RequestMessage!.RequestUri}: {(int)hidden.StatusCode} {hiddenText} vs {(int)missing.StatusCode} {missingText}");
        Assert.True((int)hidden.StatusCode is >= 400 and < 500, hiddenText);
        Assert.Equal(Normalize(missingText), Normalize(hiddenText));
        Assert.DoesNotContain("private", hiddenText, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HeaderNames(missing), HeaderNames(hidden));
        Assert.Null(hidden.Headers.ETag);
    }

    private static string Normalize(string text) =>
        text.Replace("hideout", "X", StringComparison.Ordinal).Replace("nowhere", "X", StringComparison.Ordinal);

    private static string HeaderNames(HttpResponseMessage response) =>
        string.Join(',', response.Headers.Concat(response.Content.Headers).Select(h => h.Key)
            .Where(k => k is not ("Date" or "Content-Length")).Order(StringComparer.Ordinal));
}
