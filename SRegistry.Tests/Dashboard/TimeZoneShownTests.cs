using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Accounts;
using SRegistry.Web.Components.Pages.Account;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>Issue 16: times on the dashboard say their zone (UTC), so a "16:35" is not read as the visitor's own time.</summary>
public sealed class TimeZoneShownTests : DashboardTest
{
    private static readonly DateTimeOffset Uploaded = new(2026, 3, 1, 21, 30, 12, TimeSpan.Zero);

    [Fact]
    public async Task Upload_and_update_times_on_the_collection_and_container_pages_are_written_in_utc_and_say_so()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 1024, "2.14");
        await InDatabaseAsync(async db =>
        {
            await db.Images.ExecuteUpdateAsync(s => s.SetProperty(i => i.CreatedAt, Uploaded));
            return await db.Containers.ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, Uploaded));
        });

        var container = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));
        container.WaitForAssertion(() => Assert.Equal("2026-03-01 21:30 UTC", container.Find("td[data-label=Uploaded]").TextContent.Trim()));

        var collection = Render<CollectionPage>(p => p.Add(c => c.Name, "tools"));
        collection.WaitForAssertion(() => Assert.Equal("2026-03-01 21:30 UTC", collection.Find("td[data-label=Updated]").TextContent.Trim()));
    }

    [Fact]
    public async Task Token_times_say_utc()
    {
        var alice = await SignInAsync("alice");
        await InScopeAsync(sp => sp.GetRequiredService<TokenService>().IssueAsync(alice.Id, "laptop", Clock.GetUtcNow().AddDays(30)));
        Render<MudPopoverProvider>();
        var cut = Loaded(Render<Tokens>());

        cut.WaitForAssertion(() => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$", cut.Find("td[data-label=Created]").TextContent.Trim()));
    }
}
