using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using SRegistry.Core.Model;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>
/// The collection owner's publish switch: the state in words, the choice stored, read-only for others, absent when the
/// site does not publish; and the container page's list of published paths.
/// </summary>
public sealed class PublishPagesTests() : DashboardTest(new Dictionary<string, string?> { ["Registry:Publish:Path"] = "/srv/shared/containers" })
{
    [Fact]
    public async Task The_owner_switches_publishing_off_and_the_choice_is_stored()
    {
        await Seed.CollectionAsync("alice", "lab");
        await SignInAsync("alice");
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<CollectionPublishSwitch>(p => p.Add(c => c.Collection, "lab"));
        cut.WaitForAssertion(() => Assert.Equal("Public tags are published to /srv/shared/containers.", cut.Find("[data-testid=publish-state]").TextContent.Trim()));

        cut.Find("[data-testid=collection-publish] div.mud-input-control").MouseDown();
        popovers.WaitForAssertion(() => Assert.Equal(3, popovers.FindAll("div.mud-list-item").Count));
        Assert.Contains("Site default (publish)", popovers.Markup, StringComparison.Ordinal);
        popovers.FindAll("div.mud-list-item").Single(i => i.TextContent.Trim() == "Do not publish").Click();

        cut.WaitForAssertion(() => Assert.Equal("Not published to /srv/shared/containers.", cut.Find("[data-testid=publish-state]").TextContent.Trim()));
        Assert.False(await InDatabaseAsync(db => db.Collections.Where(c => c.Name == "lab").Select(c => c.Publish).SingleAsync()));
    }

    [Fact]
    public async Task Someone_else_only_reads_it_and_a_private_collection_says_it_is_never_published()
    {
        await Seed.CollectionAsync("alice", "lab");
        await SignInAsync("bob");
        var cut = Render<CollectionPublishSwitch>(p => p.Add(c => c.Collection, "lab"));
        cut.WaitForAssertion(() => Assert.Equal("Public tags are published to /srv/shared/containers.", cut.Find("[data-testid=publish-state]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=publish-select]"));

        await InDatabaseAsync(db => db.Collections.Where(c => c.Name == "lab").ExecuteUpdateAsync(s => s.SetProperty(c => c.IsPrivate, true)));
        await SignInAsync("alice");
        var owner = Render<CollectionPublishSwitch>(p => p.Add(c => c.Collection, "lab"));
        owner.WaitForAssertion(() => Assert.Equal("Private collections are never published to /srv/shared/containers.",
            owner.Find("[data-testid=publish-state]").TextContent.Trim()));
    }

    [Fact]
    public async Task The_container_page_shows_the_published_path_of_each_tag_once_its_file_is_in_place()
    {
        await Seed.CollectionAsync("alice", "lab");
        await Seed.ImageAsync("alice", "lab", "tool", "amd64", 1024, "latest", "1.0");
        await Seed.ImageAsync("alice", "lab", "tool", "amd64", 2048, "2.0");
        await Seed.ImageAsync("alice", "lab", "tool", "arm64", 1024, "latest");
        var hashes = await InDatabaseAsync(db => db.Images.ToDictionaryAsync(i => i.Size + i.Arch, i => i.Hash));
        // What the publisher records: 1.0 and latest written, 2.0 still being written (not shown until it is there).
        await InDatabaseAsync(db =>
        {
            db.PublishedFiles.AddRange(
                new PublishedFile { Path = "lab/tool/tool_latest.sif", Hash = hashes["1024amd64"], Size = 1024, IsComplete = true },
                new PublishedFile { Path = "lab/tool/tool_1.0.sif", Hash = hashes["1024amd64"], Size = 1024, IsComplete = true },
                new PublishedFile { Path = "lab/tool/tool_2.0.sif", Hash = hashes["2048amd64"], Size = 2048, IsComplete = false });
            return db.SaveChangesAsync();
        });

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "lab").Add(c => c.Container, "tool"));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=published-paths] tbody tr").Count));
        Assert.Equal("/srv/shared/containers/lab/tool/tool_1.0.sif", cut.Find("[data-testid='published-amd64-1.0'] code").TextContent);
        Assert.Equal("/srv/shared/containers/lab/tool/tool_latest.sif", cut.Find("[data-testid=published-amd64-latest] code").TextContent);
        // Without {arch} in the layout only amd64 (Registry:Publish:Arch) is published: the arm64 latest has no row.
        Assert.Empty(cut.FindAll("[data-testid=published-arm64-latest]"));

        await InDatabaseAsync(db => db.PublishedFiles.Where(f => f.Path == "lab/tool/tool_2.0.sif").ExecuteUpdateAsync(s => s.SetProperty(f => f.IsComplete, true)));
        var again = Render<ContainerPage>(p => p.Add(c => c.Collection, "lab").Add(c => c.Container, "tool"));
        again.WaitForAssertion(() => Assert.Equal("/srv/shared/containers/lab/tool/tool_2.0.sif", again.Find("[data-testid='published-amd64-2.0'] code").TextContent));
    }
}

/// <summary>Without <c>Registry:Publish:Path</c> the collection page shows nothing about publishing.</summary>
public sealed class PublishOffPageTests : DashboardTest
{
    [Fact]
    public async Task With_publishing_off_the_switch_is_not_shown()
    {
        await Seed.CollectionAsync("alice", "lab");
        await SignInAsync("alice");
        var cut = Render<CollectionPublishSwitch>(p => p.Add(c => c.Collection, "lab"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=collection-publish]")));
        Assert.Equal(0, await InDatabaseAsync(db => db.Collections.CountAsync(c => c.Publish != null)));
    }
}
