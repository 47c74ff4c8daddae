using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Model;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>Collection readers, stars and tag annotations on the collection, container and list pages.</summary>
public sealed class ReadersStarsAnnotationsPagesTests : DashboardTest
{
    [Fact]
    public async Task The_owner_adds_a_reader_who_then_sees_the_private_collection_and_loses_it_when_removed()
    {
        await Seed.CollectionAsync("alice", "vault", isPrivate: true);
        await SignInAsync("rita");
        Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault"))).WaitForElement("[data-testid=not-found]");

        await SignInAsync("alice");
        var owner = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        owner.WaitForElement("[data-testid=no-readers]");
        owner.Find("input[data-testid=reader-username]").Input("rita");
        Click(owner, "[data-testid=add-reader]");
        owner.WaitForAssertion(() => Assert.Equal(["rita"], owner.FindAll("[data-testid=reader]").Select(r => r.TextContent.Trim()).ToList()));
        Assert.Equal(1, await InDatabaseAsync(db => db.CollectionReaders.CountAsync()));

        await SignInAsync("rita");
        var reader = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        reader.WaitForElement("[data-testid=description]");
        // A reader sees it, but manages nothing and may not push.
        Assert.Empty(reader.FindAll("[data-testid=collection-readers]"));
        Assert.Empty(reader.FindAll("[data-testid=edit]"));

        await SignInAsync("alice");
        var again = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        again.WaitForElement("[data-testid=remove-reader-rita]");
        Click(again, "[data-testid=remove-reader-rita]");
        again.WaitForElement("[data-testid=no-readers]");

        await SignInAsync("rita");
        Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault"))).WaitForElement("[data-testid=not-found]");
    }

    [Fact]
    public async Task Adding_an_unknown_user_or_the_owner_says_why_inline_and_stores_nothing()
    {
        await Seed.CollectionAsync("alice", "vault", isPrivate: true);
        await SignInAsync("alice");
        var cut = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));

        cut.WaitForElement("input[data-testid=reader-username]").Input("nobody");
        Click(cut, "[data-testid=add-reader]");
        cut.WaitForAssertion(() => Assert.Contains("no user is called 'nobody'", cut.Find("[data-testid=reader-error]").TextContent, StringComparison.Ordinal));

        cut.Find("input[data-testid=reader-username]").Input("alice");
        Click(cut, "[data-testid=add-reader]");
        cut.WaitForAssertion(() => Assert.Contains("owns 'vault'", cut.Find("[data-testid=reader-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, await InDatabaseAsync(db => db.CollectionReaders.CountAsync()));
    }

    [Fact]
    public async Task A_signed_in_viewer_stars_and_unstars_and_the_list_shows_the_count()
    {
        await Seed.CollectionAsync("alice", "sky");
        await SignInAsync("bob");
        var cut = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "sky")));
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=star-count]").TextContent));

        Click(cut, "[data-testid=star-toggle]");
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=star-count]").TextContent));
        Assert.Equal("true", cut.Find("[data-testid=star-toggle]").GetAttribute("aria-pressed"));
        Assert.Equal(1, await InDatabaseAsync(db => db.Stars.CountAsync()));

        var list = Render<CollectionList>();
        list.WaitForAssertion(() => Assert.Equal("1", list.Find("[data-testid=stars-sky]").TextContent.Trim()));

        Click(cut, "[data-testid=star-toggle]");
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=star-count]").TextContent));
        Assert.Equal(0, await InDatabaseAsync(db => db.Stars.CountAsync()));
    }

    [Fact]
    public async Task Anonymous_visitors_see_the_count_without_a_star_button_and_private_stars_stay_hidden()
    {
        await Seed.CollectionAsync("alice", "sky");
        await Seed.CollectionAsync("alice", "vault", isPrivate: true);
        await StarAsync("alice", "sky");
        await StarAsync("alice", "vault");

        var cut = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "sky")));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=star-count]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=star-toggle]"));

        await SignInAsync("mallory");
        var hidden = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        hidden.WaitForElement("[data-testid=not-found]");
        Assert.Empty(hidden.FindAll("[data-testid=star-count]"));
        var list = Render<CollectionList>();
        list.WaitForElement("[data-testid=stars-sky]");
        Assert.Empty(list.FindAll("[data-testid=stars-vault]"));
    }

    [Fact]
    public async Task The_container_page_shows_each_tags_annotations_and_the_list_search_finds_them()
    {
        await Seed.CollectionAsync("alice", "ml");
        await Seed.CollectionAsync("alice", "other");
        await Seed.ImageAsync("alice", "ml", "torch", "amd64", 1000, "2.1", "latest");
        await AnnotateAsync("ml", "torch", "2.1", ("cuda", "12.1"), ("gpu", "true"));

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "ml").Add(c => c.Container, "torch"));
        cut.WaitForElement("[data-testid='annotations-amd64-2.1']");
        Assert.Equal(["cuda=12.1", "gpu=true"],
            cut.FindAll("[data-testid='annotations-amd64-2.1'] [data-testid=annotation]").Select(a => a.TextContent.Trim()).ToList());
        // Only annotated tags get a row.
        Assert.Empty(cut.FindAll("[data-testid='annotations-amd64-latest']"));

        var list = Render<CollectionList>();
        list.WaitForElement("[data-testid=stars-other]");
        list.Find("input[data-testid=collection-search]").Input("cuda=12");
        list.WaitForAssertion(() => Assert.Empty(list.FindAll("[data-testid=stars-other]")));
        Assert.Single(list.FindAll("[data-testid=stars-ml]"));
    }

    private Task<int> StarAsync(string username, string collection) => InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<Core.Data.RegistryDbContext>();
        var user = await sp.GetRequiredService<Core.Accounts.UserAccounts>().EnsureLocalUserAsync(username, false);
        db.Stars.Add(new Star { CollectionId = await db.Collections.Where(c => c.Name == collection).Select(c => c.Id).SingleAsync(), UserId = user.Id });
        return await db.SaveChangesAsync();
    });

    private Task<int> AnnotateAsync(string collection, string container, string tag, params (string Key, string Value)[] pairs) => InDatabaseAsync(async db =>
    {
        var found = await db.Tags.SingleAsync(t => t.Container!.Collection!.Name == collection && t.Container.Name == container && t.Name == tag);
        foreach (var (key, value) in pairs)
        {
            db.TagAnnotations.Add(new TagAnnotation { ContainerId = found.ContainerId, Arch = found.Arch, TagName = found.Name, Key = key, Value = value });
        }
        return await db.SaveChangesAsync();
    });
}
