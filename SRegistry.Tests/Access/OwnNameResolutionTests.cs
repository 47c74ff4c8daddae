using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Library;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// A name means one thing: <c>library://&lt;me&gt;/&lt;collection&gt;/…</c> with the caller's own username finds only a
/// collection the caller may push to (never a stranger's public one of that name), and the default one-segment
/// collection is the administrators'.
/// </summary>
public sealed class OwnNameResolutionTests : IClassFixture<AccessWorld>
{
    private static readonly Dictionary<Who, string> Usernames = new()
    {
        [Who.Stranger] = "sam", [Who.TeamMember] = "mel", [Who.TeamOwner] = "tom", [Who.CollectionOwner] = "olive", [Who.Admin] = "ada",
    };

    private readonly AccessWorld world;

    public OwnNameResolutionTests(AccessWorld world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    public static TheoryData<bool, Who> Callers()
    {
        var data = new TheoryData<bool, Who>();
        foreach (var isPrivate in new[] { true, false })
        {
            foreach (var who in Usernames.Keys)
            {
                data.Add(isPrivate, who);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task The_callers_own_name_as_entity_finds_only_collections_they_may_push_to(bool isPrivate, Who who)
    {
        var collection = AccessWorld.CollectionName(isPrivate);
        using var client = world.Client(world.Tokens[who]);

        var image = await client.GetAsync($"v1/images/{Usernames[who]}/{collection}/img:latest?arch=amd64");
        var container = await client.GetAsync($"v1/containers/{Usernames[who]}/{collection}/img");
        var byCollection = await client.GetAsync($"v1/collections/{Usernames[who]}/{collection}");

        var expected = AccessMatrix.Expects(isPrivate, CollectionAction.Push, who) ? HttpStatusCode.OK : HttpStatusCode.NotFound;
        Assert.Equal(expected, image.StatusCode);
        Assert.Equal(expected, container.StatusCode);
        Assert.Equal(expected, byCollection.StatusCode);
    }

    [Fact]
    public async Task A_stranger_still_finds_a_public_collection_by_its_owners_name_or_none()
    {
        using var stranger = world.Client(world.Tokens[Who.Stranger]);

        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("v1/images/olive/open/img:latest?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("v1/images/open/img:latest?arch=amd64")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync("v1/images/sam/open/img:latest?arch=amd64")).StatusCode);
    }

    [Fact]
    public async Task Only_an_admin_creates_the_default_collection()
    {
        var stranger = await world.PrincipalOfAsync(Who.Stranger);
        var admin = await world.PrincipalOfAsync(Who.Admin);

        var byPush = await CreateAsync(stranger, fromPush: true);
        var byForm = await CreateAsync(stranger, fromPush: false);
        var byAdmin = await CreateAsync(admin, fromPush: false);

        Assert.Equal(Failure.Forbidden, byPush.Failure);
        Assert.Equal(Failure.Forbidden, byForm.Failure);
        Assert.Contains("default collection", byPush.Message, StringComparison.Ordinal);
        Assert.True(byAdmin.Succeeded, byAdmin.Message);
        Assert.Equal("ada", byAdmin.Value!.OwnerName);
    }

    private Task<Outcome<CollectionView>> CreateAsync(Principal who, bool fromPush) => world.InScopeAsync(sp =>
        sp.GetRequiredService<LibraryCollections>().CreateCollectionAsync(who, null, "library", "", false, fromPush));
}
