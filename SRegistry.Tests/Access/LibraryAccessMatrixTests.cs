using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// The access matrix through the library API and the services, with real users, teams and tokens:
/// allowed → success; not allowed but visible → 403; invisible → 404 (never 403); no valid identity on a write → 401.
/// </summary>
public sealed class LibraryAccessMatrixTests : IClassFixture<AccessWorld>
{
    private readonly AccessWorld world;

    public LibraryAccessMatrixTests(AccessWorld world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    public static TheoryData<bool, Who> Principals()
    {
        var data = new TheoryData<bool, Who>();
        foreach (var isPrivate in new[] { true, false })
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                data.Add(isPrivate, who);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task View_collection(bool isPrivate, Who who)
    {
        var response = await Client(who).GetAsync($"v1/collections/{AccessWorld.CollectionName(isPrivate)}");
        await ExpectAsync(response, isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Pull_image(bool isPrivate, Who who)
    {
        using var client = Client(who, followRedirects: false);
        var response = await client.GetAsync($"v1/imagefile/{AccessWorld.CollectionName(isPrivate)}/img:latest?arch=amd64");
        await ExpectAsync(response, isPrivate, CollectionAction.Pull, who, HttpStatusCode.SeeOther);
        var byHash = await client.GetAsync($"v1/images/{AccessWorld.CollectionName(isPrivate)}/img:latest?arch=amd64");
        await ExpectAsync(byHash, isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Every_path_that_names_the_image_hides_it_alike(bool isPrivate, Who who)
    {
        var collection = AccessWorld.CollectionName(isPrivate);
        var admin = world.Client(world.Tokens[Who.Admin]);
        var image = await LibraryProtocol.DataAsync(await admin.GetAsync($"v1/images/olive/{collection}/img:latest?arch=amd64"));
        var (hash, containerId, imageId) = ((string)image["hash"]!, (string)image["container"]!, (string)image["id"]!);
        using var client = Client(who, followRedirects: false);

        await ExpectAsync(await client.GetAsync($"v1/images/olive/{collection}/img:{hash}?arch=amd64"), isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
        await ExpectAsync(await client.GetAsync($"v1/imagefile/olive/{collection}/img:{hash}?arch=amd64"), isPrivate, CollectionAction.Pull, who, HttpStatusCode.SeeOther);
        await ExpectAsync(await client.GetAsync($"v1/containers/olive/{collection}/img"), isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
        await ExpectAsync(await client.GetAsync($"v1/tags/{containerId}"), isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
        await ExpectAsync(await client.GetAsync($"v2/tags/{containerId}"), isPrivate, CollectionAction.View, who, HttpStatusCode.OK);
        // A blob URL is only ever valid as the server signed it; without the signature it is not found for everyone.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"_blobs/dl/{imageId}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Push_new_container(bool isPrivate, Who who)
    {
        var response = await Client(who).PostAsync("v1/containers",
            LibraryProtocol.Json(new { name = $"new-{who.ToString().ToLowerInvariant()}", collection = world.CollectionIds[isPrivate] }));
        // A write aimed at a collection the caller cannot see is refused as a bad collection ID, never as 404 (which clients read as "create it").
        await ExpectAsync(response, isPrivate, CollectionAction.Push, who, HttpStatusCode.OK, invisible: HttpStatusCode.BadRequest);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Delete_image(bool isPrivate, Who who)
    {
        var tag = $"del-{who.ToString().ToLowerInvariant()}";
        var owner = new LibraryProtocol(world.Client(world.Tokens[Who.CollectionOwner]));
        var reference = $"olive/{AccessWorld.CollectionName(isPrivate)}/img";
        await owner.PushAsync(reference, await world.Sifs.CreateAsync(1_000), tags: tag);
        var response = await Client(who).DeleteAsync($"v1/images/{reference}:{tag}?arch=amd64");
        await ExpectAsync(response, isPrivate, CollectionAction.DeleteImage, who, HttpStatusCode.OK);
        var stillThere = await owner.Http.GetAsync($"v1/images/{reference}:{tag}?arch=amd64");
        Assert.Equal(AccessMatrix.Expects(isPrivate, CollectionAction.DeleteImage, who) ? HttpStatusCode.NotFound : HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Assign_team_through_the_service(bool isPrivate, Who who)
    {
        var principal = await PrincipalOfAsync(who);
        var outcome = await world.InScopeAsync(sp => sp.GetRequiredService<TeamService>()
            .AssignAsync(principal, AccessWorld.CollectionName(isPrivate), "crew", assign: true));
        var allowed = AccessMatrix.Expects(isPrivate, CollectionAction.AssignTeams, who);
        Assert.Equal(allowed, outcome.Succeeded);
        if (!allowed)
        {
            var visible = AccessMatrix.Expects(isPrivate, CollectionAction.View, who);
            Assert.Equal(visible ? Core.Failure.Forbidden : Core.Failure.NotFound, outcome.Failure);
        }
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Search_and_lists_never_show_what_cannot_be_viewed(bool isPrivate, Who who)
    {
        var found = await LibraryProtocol.DataAsync(await Client(who).GetAsync($"v1/search?value={AccessWorld.CollectionName(isPrivate)}"));
        var names = found["collection"]!.AsArray().Select(c => (string)c!["name"]!).ToList();
        Assert.Equal(AccessMatrix.Expects(isPrivate, CollectionAction.View, who), names.Contains(AccessWorld.CollectionName(isPrivate)));
        var visibleInSql = await world.InScopeAsync(async sp =>
        {
            var principal = await PrincipalOfAsync(who);
            return await sp.GetRequiredService<RegistryDbContext>().Collections.VisibleTo(principal)
                .AnyAsync(c => c.Name == AccessWorld.CollectionName(isPrivate));
        });
        Assert.Equal(AccessMatrix.Expects(isPrivate, CollectionAction.View, who), visibleInSql);
    }

    private static async Task ExpectAsync(HttpResponseMessage response, bool isPrivate, CollectionAction action, Who who, HttpStatusCode success,
        HttpStatusCode invisible = HttpStatusCode.NotFound)
    {
        var isWrite = action is CollectionAction.Push or CollectionAction.DeleteImage;
        var expected = AccessMatrix.Expects(isPrivate, action, who) ? success
            : isWrite && AccessMatrix.Unidentified.Contains(who) ? HttpStatusCode.Unauthorized
            : AccessMatrix.Expects(isPrivate, CollectionAction.View, who) ? HttpStatusCode.Forbidden
            : invisible;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{who} {action} on {(isPrivate ? "private" : "public")}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
    }

    private HttpClient Client(Who who, bool followRedirects = true)
    {
        var client = followRedirects ? world.Client(world.Tokens[who]) : new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(world.BaseUrl + "/"),
        };
        if (!followRedirects && world.Tokens[who] is { } token)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        return client;
    }

    private Task<Principal> PrincipalOfAsync(Who who) => world.PrincipalOfAsync(who);
}
