using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using SRegistry.Web.Components.Pages.Collections;

namespace SRegistry.Tests.Dashboard;

/// <summary>The collection owner's publish switch: the state in words, the choice stored, read-only for others, absent when the site does not publish.</summary>
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
