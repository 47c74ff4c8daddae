using Bunit;
using MudBlazor;
using SRegistry.Core.Audit;
using SRegistry.Core.Model;
using SRegistry.Web.Components.Pages.Admin;

namespace SRegistry.Tests.Audit;

/// <summary>The admin area's audit tab: newest first, filtered by user, action and time, export link with the same filters.</summary>
public sealed class AdminAuditPanelTests : AuditFixture
{
    private async Task SeedTrailAsync()
    {
        await Seed.CollectionAsync("alice", "tools");
        Clock.Advance(TimeSpan.FromDays(3));
        await Seed.TeamAsync("bob", "astro", TeamJoinMode.Open);
    }

    private static List<string> Rows(IRenderedComponent<AdminAuditPanel> cut) =>
        [.. cut.FindAll("[data-testid=audit-row-action]").Select(a => a.TextContent.Trim())];

    [Fact]
    public async Task Admins_see_the_trail_newest_first()
    {
        await SeedTrailAsync();
        await SignInAsync("ada", admin: true);

        var cut = Render<AdminAuditPanel>();

        cut.WaitForAssertion(() => Assert.Equal([AuditActions.UserAdmin, AuditActions.TeamCreate, AuditActions.CollectionCreate], Rows(cut)));
        Assert.Contains("(server)", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filtering_by_user_keeps_only_what_they_did_and_the_export_link_carries_the_filter()
    {
        await SeedTrailAsync();
        await SignInAsync("ada", admin: true);
        var cut = Render<AdminAuditPanel>();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));

        cut.Find("input[data-testid=audit-user]").Input("alice");

        cut.WaitForAssertion(() => Assert.Equal([AuditActions.CollectionCreate], Rows(cut)));
        Assert.Equal("/admin/audit/export?user=alice", cut.Find("a[data-testid=audit-export]").GetAttribute("href"));
    }

    [Fact]
    public async Task Filtering_by_action_uses_the_fixed_list()
    {
        await SeedTrailAsync();
        await SignInAsync("ada", admin: true);
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<AdminAuditPanel>();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));

        cut.Find("[data-testid=audit-action] div.mud-input-control").MouseDown();
        popovers.WaitForAssertion(() => Assert.Equal(AuditActions.All.Count, popovers.FindAll("div.mud-list-item").Count));
        popovers.FindAll("div.mud-list-item").Single(i => i.TextContent.Trim() == AuditActions.TeamCreate).Click();

        cut.WaitForAssertion(() => Assert.Equal([AuditActions.TeamCreate], Rows(cut)));
        Assert.Equal("astro", cut.Find("[data-testid=audit-row-target]").TextContent.Trim());
    }

    [Fact]
    public async Task Filtering_by_time_keeps_the_range_and_a_bad_time_says_what_is_expected()
    {
        var start = Clock.GetUtcNow();
        await SeedTrailAsync();
        await SignInAsync("ada", admin: true);
        var cut = Render<AdminAuditPanel>();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));

        // The collection was made at the start, the team three days later: a range ending the day after the start holds only the collection.
        cut.Find("input[data-testid=audit-to]").Input(start.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        cut.WaitForAssertion(() => Assert.Equal([AuditActions.CollectionCreate], Rows(cut)));

        cut.Find("input[data-testid=audit-to]").Input("");
        cut.Find("input[data-testid=audit-from]").Input(start.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        cut.WaitForAssertion(() => Assert.Equal([AuditActions.UserAdmin, AuditActions.TeamCreate], Rows(cut)));

        cut.Find("input[data-testid=audit-from]").Input("last tuesday");
        cut.WaitForAssertion(() => Assert.Contains("ISO 8601", cut.Find("[data-testid=audit-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(Rows(cut));
    }

    [Fact]
    public async Task A_non_admin_who_reaches_the_panel_sees_nothing()
    {
        await SeedTrailAsync();
        await SignInAsync("mallory");

        var cut = Render<AdminAuditPanel>();

        cut.WaitForAssertion(() => Assert.Equal("not found", cut.Find("[data-testid=audit-error]").TextContent.Trim()));
        Assert.Empty(Rows(cut));
        Assert.DoesNotContain("tools", cut.Markup, StringComparison.Ordinal);
    }
}
