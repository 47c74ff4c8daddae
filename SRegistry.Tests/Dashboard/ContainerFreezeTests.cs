using Bunit;
using Microsoft.EntityFrameworkCore;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>The freeze toggle on the container page: the owner freezes and unfreezes; others only see that it is frozen.</summary>
public sealed class ContainerFreezeTests : DashboardTest
{
    [Fact]
    public async Task The_owner_freezes_a_container_and_its_delete_and_untag_controls_go()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 4096, "latest");
        await SignInAsync("alice");
        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));
        cut.WaitForElement("[data-testid=delete-image]");

        cut.Find("input[data-testid=freeze]").Change(true);

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=delete-image]")));
        Assert.True(await FrozenAsync("blast"));
        cut.Find("input[data-testid=freeze]").Change(false);
        cut.WaitForElement("[data-testid=delete-image]");
        Assert.False(await FrozenAsync("blast"));
    }

    [Fact]
    public async Task Someone_else_sees_a_frozen_container_without_the_toggle()
    {
        await Seed.CollectionAsync("alice", "tools");
        await Seed.ImageAsync("alice", "tools", "blast", "amd64", 4096, "latest");
        await InDatabaseAsync(db => db.Containers.Where(c => c.Name == "blast").ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReadOnly, true)));
        await SignInAsync("bob");

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "blast"));

        cut.WaitForElement("[data-testid=frozen]");
        Assert.Empty(cut.FindAll("[data-testid=freeze]"));
    }

    private Task<bool> FrozenAsync(string container) =>
        InDatabaseAsync(db => db.Containers.Where(c => c.Name == container).Select(c => c.IsReadOnly).SingleAsync());
}
