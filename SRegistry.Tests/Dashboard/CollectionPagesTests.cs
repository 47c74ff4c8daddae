using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

public sealed class CollectionPagesTests : DashboardTest
{
    [Fact]
    public void With_no_collections_the_list_explains_how_to_get_one()
    {
        var cut = Render<CollectionList>();

        cut.WaitForAssertion(() => Assert.Contains("No collections yet", cut.Find("[data-testid=collections-empty]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=new-collection]"));
    }

    [Fact]
    public async Task Anonymous_visitors_see_public_collections_only()
    {
        await Seed.CollectionAsync("alice", "openastro");
        await Seed.CollectionAsync("alice", "secretastro", isPrivate: true);

        var cut = Render<CollectionList>();

        cut.WaitForAssertion(() => Assert.Contains("openastro", cut.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("secretastro", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_narrows_the_list_and_says_when_nothing_matches()
    {
        await Seed.CollectionAsync("alice", "telescope", description: "pipelines");
        await Seed.CollectionAsync("alice", "genomics");
        var cut = Render<CollectionList>();
        cut.WaitForAssertion(() => Assert.Contains("genomics", cut.Markup, StringComparison.Ordinal));

        cut.Find("input[data-testid=collection-search]").Input("pipe");
        cut.WaitForAssertion(() => Assert.DoesNotContain("genomics", cut.Markup, StringComparison.Ordinal));
        Assert.Contains("telescope", cut.Markup, StringComparison.Ordinal);

        cut.Find("input[data-testid=collection-search]").Input("zzz");
        cut.WaitForAssertion(() => Assert.Contains("No collection matches", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_search_box_is_a_plain_form_field_so_it_works_without_a_circuit()
    {
        await Seed.CollectionAsync("alice", "telescope");

        var cut = Render<CollectionList>();

        var form = cut.Find("form[role=search]");
        Assert.Equal("get", form.GetAttribute("method"));
        Assert.Equal("q", form.QuerySelector("input")!.GetAttribute("name"));
    }

    [Fact]
    public async Task Signed_in_users_get_the_new_collection_button()
    {
        await SignInAsync("alice");

        var cut = Render<CollectionList>();

        Assert.Single(cut.FindAll("[data-testid=new-collection]"));
    }

    [Fact]
    public async Task A_private_collection_is_not_found_for_a_stranger_and_looks_like_a_missing_one()
    {
        await Seed.CollectionAsync("alice", "hidden", isPrivate: true);
        await SignInAsync("mallory");

        var hidden = Render<CollectionPage>(p => p.Add(c => c.Name, "hidden"));
        var missing = Render<CollectionPage>(p => p.Add(c => c.Name, "nosuch"));

        hidden.WaitForElement("[data-testid=not-found]");
        missing.WaitForElement("[data-testid=not-found]");
        Assert.Equal(missing.Find("[data-testid=not-found]").TextContent.Replace("nosuch", "X", StringComparison.Ordinal),
            hidden.Find("[data-testid=not-found]").TextContent.Replace("hidden", "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_team_member_is_told_they_may_push_and_anonymous_visitors_see_no_push_or_quota_lines()
    {
        var teamId = await Seed.TeamAsync("alice", "crew", SRegistry.Core.Model.TeamJoinMode.Open, "bob");
        await Seed.CollectionAsync("alice", "shared");
        await InDatabaseAsync(async db =>
        {
            var collection = await db.Collections.SingleAsync(c => c.Name == "shared");
            db.CollectionTeams.Add(new SRegistry.Core.Model.CollectionTeam { CollectionId = collection.Id, TeamId = teamId });
            return await db.SaveChangesAsync();
        });

        var anonymous = Render<CollectionPage>(p => p.Add(c => c.Name, "shared"));
        anonymous.WaitForElement("[data-testid=description]");
        Assert.Empty(anonymous.FindAll("[data-testid=may-push]"));
        Assert.Empty(anonymous.FindAll("[data-testid=collection-charge]"));
        Assert.DoesNotContain("quota", anonymous.Markup, StringComparison.OrdinalIgnoreCase);

        await SignInAsync("bob");
        var member = Render<CollectionPage>(p => p.Add(c => c.Name, "shared"));
        member.WaitForAssertion(() => Assert.Contains("You can push to this collection as a member of team crew", member.Find("[data-testid=may-push]").TextContent, StringComparison.Ordinal));
        Assert.Equal("singularity push -U image.sif library://shared/container:tag", member.Find("[data-testid=collection-push] code").TextContent);
        member.WaitForElement("[data-testid=collection-charge]");

        await SignInAsync("mallory");
        var stranger = Render<CollectionPage>(p => p.Add(c => c.Name, "shared"));
        stranger.WaitForElement("[data-testid=description]");
        Assert.Empty(stranger.FindAll("[data-testid=may-push]"));
    }

    [Fact]
    public async Task Owners_edit_and_strangers_only_read()
    {
        await Seed.CollectionAsync("alice", "shared", description: "old");
        await SignInAsync("mallory");
        var asStranger = Render<CollectionPage>(p => p.Add(c => c.Name, "shared"));
        asStranger.WaitForElement("[data-testid=description]");
        Assert.Empty(asStranger.FindAll("[data-testid=edit]"));
        Assert.Empty(asStranger.FindAll("[data-testid=delete-collection]"));

        await SignInAsync("alice");
        var asOwner = Render<CollectionPage>(p => p.Add(c => c.Name, "shared"));
        asOwner.WaitForElement("[data-testid=edit]").Click();
        asOwner.WaitForElement("textarea[data-testid=edit-description]").Input("new words");
        asOwner.Find("input[data-testid=edit-private]").Change(true);
        Click(asOwner, "[data-testid=save-collection]");

        asOwner.WaitForAssertion(() => Assert.Contains("private", asOwner.Find("[data-testid=visibility]").TextContent, StringComparison.Ordinal));
        var stored = await InDatabaseAsync(db => db.Collections.SingleAsync(c => c.Name == "shared"));
        Assert.Equal("new words", stored.Description);
        Assert.True(stored.IsPrivate);
    }

    [Fact]
    public async Task Delete_asks_first_saying_how_many_images_go()
    {
        await Seed.CollectionAsync("alice", "doomed");
        await Seed.ImageAsync("alice", "doomed", "tool", "amd64", 1000, "v1");
        await Seed.ImageAsync("alice", "doomed", "tool", "arm64", 1000, "v1");
        await SignInAsync("alice");
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<CollectionPage>(p => p.Add(c => c.Name, "doomed"));

        cut.WaitForElement("[data-testid=delete-collection]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("2 image(s)", dialogs.Markup, StringComparison.Ordinal));
        Assert.Equal(1, await InDatabaseAsync(db => db.Collections.CountAsync()));

        dialogs.FindAll("button").Single(b => b.TextContent.Contains("Delete 2 image(s)", StringComparison.Ordinal)).Click();
        await WaitUntilAsync(async () => await InDatabaseAsync(db => db.Collections.CountAsync()) == 0);
        Assert.Equal(0, await InDatabaseAsync(db => db.Images.CountAsync()));
    }

    [Fact]
    public async Task Container_page_lists_tags_per_arch_with_both_pull_commands()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 3 * 1024 * 1024, "2.14", "latest");
        await Seed.ImageAsync("alice", "tools", "blast", "arm64", 1024, "2.14");

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));

        cut.WaitForElement("[data-testid=arch-amd64]");
        Assert.Single(cut.FindAll("[data-testid=arch-arm64]"));
        Assert.Contains("3 MiB", cut.Markup, StringComparison.Ordinal);
        var commands = cut.FindAll("code").Select(c => c.TextContent).ToList();
        Assert.Contains("singularity pull --library http://localhost tools/blast:2.14", commands);
        Assert.Contains("singularity pull library://tools/blast:2.14", commands);
        Assert.Contains("singularity pull --arch arm64 library://tools/blast:2.14", commands);
        Assert.Empty(cut.FindAll("[data-testid=delete-image]"));
    }

    [Fact]
    public async Task Owner_removes_a_tag_only_after_confirming_and_the_image_stays()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 1024, "old", "keep");
        await SignInAsync("alice");
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));

        cut.WaitForElement("[data-testid=tag-old] .mud-chip-close-button").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove tag old?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Remove tag old?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Equal(2, await InDatabaseAsync(db => db.Tags.CountAsync()));

        cut.Find("[data-testid=tag-old] .mud-chip-close-button").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove tag old?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove tag").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=tag-old]")));
        Assert.Equal(["keep"], await InDatabaseAsync(db => db.Tags.Select(t => t.Name).ToListAsync()));
        Assert.Equal(1, await InDatabaseAsync(db => db.Images.CountAsync()));
    }

    [Fact]
    public async Task Each_image_shows_its_push_description_and_full_hash_to_copy()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 1024, "2.14");
        await Seed.ImageAsync("alice", "tools", "blast", "arm64", 1024, "2.15");
        await InDatabaseAsync(async db =>
        {
            await db.Images.Where(i => i.Arch == "amd64").ExecuteUpdateAsync(s => s.SetProperty(i => i.Description, "BLAST+ built against MKL"));
            return await db.Images.Where(i => i.Arch == "arm64").ExecuteUpdateAsync(s => s.SetProperty(i => i.Description, "No description"));
        });
        var hashes = (await InDatabaseAsync(db => db.Images.Select(i => i.Hash).ToListAsync())).Order(StringComparer.Ordinal);

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));

        cut.WaitForElement("[data-testid=arch-amd64]");
        // The client's placeholder for "no -D given" is not shown as if someone had written it.
        Assert.Equal(["BLAST+ built against MKL"], cut.FindAll("[data-testid=image-description]").Select(d => d.TextContent.Trim()));
        Assert.Equal(hashes, cut.FindAll("[data-testid=image-hash] code").Select(c => c.TextContent).Order(StringComparer.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(await condition(), "condition not met in 5 s");
    }
}
