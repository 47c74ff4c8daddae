using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Browsing;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// The frozen-container rows of the matrix through the Core services (the library API and the container page call
/// them): each cell gets its own container in olive's private or public collection, holding image A tagged "latest"
/// and image B tagged "other", frozen by an admin (or left unfrozen for the Freeze cell).
/// </summary>
public sealed class FrozenContainerMatrixTests : IClassFixture<AccessWorld>
{
    private readonly AccessWorld world;

    public FrozenContainerMatrixTests(AccessWorld world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    public static TheoryData<bool, FrozenAction, Who> FrozenCells => AccessMatrix.FrozenCells();

    [Theory]
    [MemberData(nameof(FrozenCells))]
    public async Task Frozen_container_actions(bool isPrivate, FrozenAction action, Who who)
    {
        var collection = AccessWorld.CollectionName(isPrivate);
        var container = $"fz-{action}-{who}".ToLowerInvariant();
        var (containerId, imageA, imageB) = await PrepareAsync(collection, container, frozen: action != FrozenAction.Freeze);
        var principal = await world.PrincipalOfAsync(who);

        var outcome = action switch
        {
            FrozenAction.Push => Succeeded(await Run<ImageCatalog, Outcome<ImageView>>(c =>
                c.CreateAsync(principal, containerId, "sha256." + new string('c', 64), ""))),
            FrozenAction.MoveTag => Succeeded(await Run<ImageCatalog, Outcome<Image>>(c => c.SetTagAsync(principal, containerId, "amd64", "latest", imageB))),
            FrozenAction.Untag => await Run<ContainerBrowsing, Outcome<bool>>(d => d.RemoveTagAsync(principal, collection, container, "amd64", "latest")),
            FrozenAction.DeleteImage => await Run<ContainerBrowsing, Outcome<bool>>(d => d.DeleteImageAsync(principal, collection, container, imageA)),
            FrozenAction.DeleteByReference => Succeeded(await Run<ImageCatalog, Outcome<ImageView>>(c =>
                c.DeleteAsync(principal, $"{collection}/{container}:latest", "amd64"))),
            FrozenAction.Freeze => await Run<ContainerBrowsing, Outcome<bool>>(d => d.SetFrozenAsync(principal, collection, container, true)),
            _ => await Run<ContainerBrowsing, Outcome<bool>>(d => d.SetFrozenAsync(principal, collection, container, false)),
        };

        var allowed = AccessMatrix.FrozenAllowed[action].Contains(who);
        var cell = $"{who} {action} on {collection}/{container}";
        Assert.True(allowed == outcome.Succeeded, $"{cell}: expected {(allowed ? "success" : "refusal")}, got {outcome.Failure} {outcome.Message}");
        if (!allowed)
        {
            var visible = AccessMatrix.Expects(isPrivate, CollectionAction.View, who);
            Failure[] expected = visible ? [Failure.Forbidden, Failure.Unauthenticated] : [Failure.NotFound, Failure.Unauthenticated];
            Assert.True(expected.Contains(outcome.Failure), $"{cell}: got {outcome.Failure} {outcome.Message}");
        }
        // A refused change changed nothing.
        var state = await StateAsync(containerId);
        if (!allowed)
        {
            Assert.Equal((action != FrozenAction.Freeze, imageA, 2), (state.Frozen, state.Latest, state.Images));
        }
    }

    private async Task<(string ContainerId, string ImageA, string ImageB)> PrepareAsync(string collection, string container, bool frozen)
    {
        var owner = new LibraryProtocol(world.Client(world.Tokens[Who.CollectionOwner]));
        var imageA = await owner.PushAsync($"olive/{collection}/{container}", await SharedSifAsync(0), tags: "latest");
        var imageB = await owner.PushAsync($"olive/{collection}/{container}", await SharedSifAsync(1), tags: "other");
        var containerId = await world.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Containers
            .Where(c => c.Name == container && c.Collection!.Name == collection).Select(c => c.Id).SingleAsync());
        if (frozen)
        {
            var admin = await world.PrincipalOfAsync(Who.Admin);
            var set = await Run<ContainerBrowsing, Outcome<bool>>(d => d.SetFrozenAsync(admin, collection, container, true));
            Assert.True(set.Succeeded, set.Message);
        }
        return (containerId, imageA, imageB);
    }

    private static readonly SemaphoreSlim SifsLock = new(1, 1);
    private static readonly Dictionary<int, (string Path, string Hash, long Size)> Sifs = [];

    private async Task<(string Path, string Hash, long Size)> SharedSifAsync(int which)
    {
        await SifsLock.WaitAsync();
        try
        {
            if (!Sifs.TryGetValue(which, out var sif) || !File.Exists(sif.Path))
            {
                Sifs[which] = sif = await world.Sifs.CreateAsync(3_000 + which);
            }
            return sif;
        }
        finally
        {
            SifsLock.Release();
        }
    }

    private Task<(bool Frozen, string? Latest, int Images)> StateAsync(string containerId) => world.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<RegistryDbContext>();
        var frozen = await db.Containers.Where(c => c.Id == containerId).Select(c => c.IsReadOnly).SingleAsync();
        var latest = await db.Tags.Where(t => t.ContainerId == containerId && t.Name == "latest").Select(t => t.ImageId).SingleOrDefaultAsync();
        return (frozen, latest, await db.Images.CountAsync(i => i.ContainerId == containerId));
    });

    private static Outcome<bool> Succeeded<T>(Outcome<T> outcome) => outcome.Succeeded ? true : new Problem(outcome.Failure, outcome.Message);

    private Task<T> Run<TService, T>(Func<TService, Task<T>> call) where TService : notnull =>
        world.InScopeAsync(sp => call(sp.GetRequiredService<TService>()));
}
