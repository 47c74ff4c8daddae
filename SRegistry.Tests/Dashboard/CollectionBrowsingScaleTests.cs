using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Browsing;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Tests.Dashboard;

/// <summary>
/// The collections list at 10,000 collections: paging, sorting and search stay correct, and the time each query took
/// is printed (for the benchmark notes; not asserted, timing belongs to bench/).
/// </summary>
public sealed class CollectionBrowsingScaleTests : DashboardTest
{
    [Fact]
    public async Task Ten_thousand_collections_page_sort_and_search_correctly()
    {
        await InDatabaseAsync(async db =>
        {
            var owner = new User { Username = "owner", CreatedAt = DateTimeOffset.UtcNow };
            db.Users.Add(owner);
            var start = DateTimeOffset.UtcNow;
            for (var i = 0; i < 10_000; i++)
            {
                var collection = new Collection
                {
                    Name = $"c{i:D5}", OwnerId = owner.Id, IsPrivate = i % 10 == 0, Description = i % 100 == 0 ? "telescope" : "",
                    CreatedAt = start, UpdatedAt = start.AddSeconds(i),
                };
                db.Collections.Add(collection);
                if (i % 1000 == 1)
                {
                    collection.Containers.Add(new Container { CollectionId = collection.Id, Name = "a" });
                    collection.Containers.Add(new Container { CollectionId = collection.Id, Name = "b" });
                }
            }
            return await db.SaveChangesAsync();
        });
        var anonymous = Principal.Anonymous;

        var first = await TimedBrowseAsync(anonymous, new CollectionQuery(PageSize: 25), "first page by name");
        var last = await TimedBrowseAsync(anonymous, new CollectionQuery(Page: 359, PageSize: 25), "last page by name");
        var newest = await TimedBrowseAsync(anonymous, new CollectionQuery(Sort: CollectionSort.Updated, Descending: true), "newest first");
        var biggest = await TimedBrowseAsync(anonymous, new CollectionQuery(Sort: CollectionSort.Containers, Descending: true), "most containers");
        var search = await TimedBrowseAsync(anonymous, new CollectionQuery(Search: "telescope"), "search");

        Assert.Equal(9_000, first.Total);
        Assert.Equal(["c00001", "c00002", "c00003"], first.Items.Take(3).Select(c => c.Name));
        Assert.Equal("c09999", last.Items[^1].Name);
        Assert.Equal("c09999", newest.Items[0].Name);
        Assert.All(biggest.Items.Take(1), c => Assert.Equal(2, c.Containers));
        Assert.Equal(0, search.Total); // every "telescope" collection is a multiple of 100, so private: invisible
    }

    private async Task<Paged<CollectionSummary>> TimedBrowseAsync(Principal who, CollectionQuery query, string label)
    {
        var watch = Stopwatch.StartNew();
        var page = await InScopeAsync(sp => sp.GetRequiredService<CollectionBrowsing>().BrowseAsync(who, query));
        Xunit.TestContext.Current.SendDiagnosticMessage($"10k collections, {label}: {watch.Elapsed.TotalMilliseconds:F1} ms");
        Console.WriteLine($"10k collections, {label}: {watch.Elapsed.TotalMilliseconds:F1} ms");
        return page;
    }
}
