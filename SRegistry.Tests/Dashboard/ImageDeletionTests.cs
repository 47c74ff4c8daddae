using System.Security.Cryptography;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>Deleting an image from the container page: its tags go with it, its bytes only once no other image uses them.</summary>
public sealed class ImageDeletionTests : DashboardTest
{
    [Fact]
    public async Task Deleting_one_of_two_images_that_share_bytes_keeps_the_blob_until_the_last_one_goes()
    {
        await Seed.CollectionAsync("alice", "tools");
        var hex = StoreBlob(4096);
        await AddImageAsync("alice", "tools", "one", hex, "1.0", "latest");
        await AddImageAsync("alice", "tools", "two", hex, "stable");
        await SignInAsync("alice");

        await DeleteOnlyImageAsync("one");

        Assert.Equal(0, await InDatabaseAsync(db => db.Tags.CountAsync(t => t.Container!.Name == "one")));
        Assert.Equal(0, await InDatabaseAsync(db => db.Images.CountAsync(i => i.Container!.Name == "one")));
        Assert.True(await Blobs.ExistsAsync(hex), "container two still uses these bytes");

        await DeleteOnlyImageAsync("two");

        Assert.False(await Blobs.ExistsAsync(hex));
    }

    private async Task DeleteOnlyImageAsync(string container)
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, container));
        cut.WaitForElement("[data-testid=delete-image]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete this image?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=images-empty]")));
    }

    private IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    private string StoreBlob(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, bytes);
        Task.Run(() => Blobs.PublishAsync(path, hex)).GetAwaiter().GetResult();
        return hex;
    }

    private Task<int> AddImageAsync(string owner, string collection, string container, string hex, params string[] tags) => InDatabaseAsync(async db =>
    {
        var ownerId = await db.Users.Where(u => u.Username == owner).Select(u => u.Id).SingleAsync();
        var holder = new Container { CollectionId = await db.Collections.Where(c => c.Name == collection).Select(c => c.Id).SingleAsync(), Name = container };
        var image = new Image { ContainerId = holder.Id, Hash = "sha256." + hex, Size = 4096, Arch = "amd64", IsUploaded = true, CreatedById = ownerId };
        db.Containers.Add(holder);
        db.Images.Add(image);
        db.Tags.AddRange(tags.Select(t => new Tag { ContainerId = holder.Id, Arch = "amd64", Name = t, ImageId = image.Id }));
        return await db.SaveChangesAsync();
    });
}
