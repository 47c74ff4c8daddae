using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Browsing;
using SRegistry.Web.Components.Pages.Collections;

namespace SRegistry.Tests.Dashboard;

/// <summary>
/// Issue 16: the collections list shows what is inside each collection (container names with their latest tag), and
/// its one search box finds collections by their containers' names and descriptions and by tag names too.
/// </summary>
public sealed class CollectionSearchTests : DashboardTest, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        await Seed.CollectionAsync("alice", "astro", description: "radio astronomy");
        await Seed.ImageAsync("alice", "astro", "wsclean", "amd64", 1024, "3.3");
        await Seed.ImageAsync("alice", "astro", "wsclean", "amd64", 1024, "3.4");
        await Seed.ImageAsync("alice", "astro", "casa", "amd64", 1024);
        await Seed.CollectionAsync("bob", "genomics");
        await Seed.ImageAsync("bob", "genomics", "blast", "amd64", 1024, "2.14-mkl");
        await InDatabaseAsync(async db =>
        {
            await db.Containers.Where(c => c.Name == "blast").ExecuteUpdateAsync(s => s.SetProperty(c => c.Description, "sequence alignment"));
            // Tag 3.4 was set after 3.3, so it is the latest.
            return await db.Tags.Where(t => t.Name == "3.3").ExecuteUpdateAsync(s => s.SetProperty(t => t.UpdatedAt, DateTimeOffset.UtcNow.AddDays(-1)));
        });
    }

    [Theory]
    [InlineData("wsclean", "astro")] // a container name
    [InlineData("CASA", "astro")] // case does not matter
    [InlineData("alignment", "genomics")] // a container's description
    [InlineData("mkl", "genomics")] // a tag
    [InlineData("radio", "astro")] // the collection's own description still counts
    public async Task One_search_finds_a_collection_through_what_it_holds(string search, string expected)
    {
        var found = await BrowseAsync(search);

        Assert.Equal([expected], found.Items.Select(c => c.Name));
    }

    [Fact]
    public async Task Each_row_names_its_containers_with_the_latest_tag()
    {
        var astro = (await BrowseAsync("")).Items.Single(c => c.Name == "astro");

        Assert.Equal([new ContainerHeadline("casa", null), new ContainerHeadline("wsclean", "3.4")], astro.Headlines);
    }

    [Fact]
    public async Task A_collection_with_many_containers_names_the_first_few_and_counts_the_rest()
    {
        foreach (var n in Enumerable.Range(0, CollectionBrowsing.HeadlinesPerCollection + 2))
        {
            await Seed.ImageAsync("bob", "genomics", $"tool{n}", "amd64", 1024);
        }

        var genomics = (await BrowseAsync("genomics")).Items.Single();

        Assert.Equal(CollectionBrowsing.HeadlinesPerCollection, genomics.Headlines.Count);
        Assert.Equal(CollectionBrowsing.HeadlinesPerCollection + 3, genomics.Containers);
        var cut = Render<CollectionList>();
        cut.WaitForAssertion(() => Assert.Contains("+3 more", cut.Find("[data-testid=containers-genomics]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void The_list_page_links_each_container_with_its_latest_tag()
    {
        var cut = Render<CollectionList>();

        cut.WaitForAssertion(() => Assert.Contains("wsclean:3.4", cut.Find("[data-testid=containers-astro]").TextContent.Replace(" ", "", StringComparison.Ordinal),
            StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid=containers-astro] a[href='/collections/astro/wsclean']"));
    }

    private Task<Paged<CollectionSummary>> BrowseAsync(string search) =>
        InScopeAsync(sp => sp.GetRequiredService<CollectionBrowsing>().BrowseAsync(Principal.Anonymous, new CollectionQuery(search)));
}
