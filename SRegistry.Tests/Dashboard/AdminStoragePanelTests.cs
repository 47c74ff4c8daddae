using System.Security.Cryptography;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Storage;
using SRegistry.Web.Components.Pages.Admin;

namespace SRegistry.Tests.Dashboard;

public sealed class AdminStoragePanelTests : DashboardTest
{
    [Fact]
    public async Task The_dry_run_says_what_would_go_and_the_confirmed_run_frees_exactly_that()
    {
        await Seed.CollectionAsync("alice", "kept");
        var imageId = await Seed.ImageAsync("alice", "kept", "tool", "amd64", 5, "latest");
        var referenced = await InDatabaseAsync(db => Task.FromResult(db.Images.Single(i => i.Id == imageId).Hash[7..]));
        Store(referenced, 5);
        var orphan = Store(null, 3000);
        await SignInAsync("ada", admin: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<AdminStoragePanel>();

        Click(cut, "[data-testid=gc-dry-run]");
        cut.WaitForAssertion(() => Assert.Equal("Dry run: 1 unreferenced blob, 2.9 KiB would be freed; 1 blob in use kept.",
            cut.Find("[data-testid=gc-report]").TextContent.Trim()));
        Assert.True(await Blobs.ExistsAsync(orphan));

        Click(cut, "[data-testid=gc-run]");
        dialogs.WaitForAssertion(() => Assert.Contains("Collect garbage?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Collect garbage").Click();

        cut.WaitForAssertion(() => Assert.Equal("Freed 1 unreferenced blob, 2.9 KiB; 1 blob in use kept.", cut.Find("[data-testid=gc-report]").TextContent.Trim()));
        Assert.False(await Blobs.ExistsAsync(orphan));
        Assert.True(await Blobs.ExistsAsync(referenced));
    }

    [Fact]
    public async Task Cancelling_the_confirmation_frees_nothing()
    {
        var orphan = Store(null, 100);
        await SignInAsync("ada", admin: true);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<AdminStoragePanel>();

        Click(cut, "[data-testid=gc-run]");
        dialogs.WaitForAssertion(() => Assert.Contains("Collect garbage?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        cut.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("button")));
        Assert.True(await Blobs.ExistsAsync(orphan));
        Assert.Empty(cut.FindAll("[data-testid=gc-report]"));
    }

    [Fact]
    public async Task A_non_admin_who_reaches_the_panel_is_told_it_is_not_there()
    {
        var orphan = Store(null, 100);
        await SignInAsync("mallory");
        var cut = Render<AdminStoragePanel>();

        Click(cut, "[data-testid=gc-dry-run]");

        cut.WaitForAssertion(() => Assert.Equal("not found", cut.Find("[data-testid=gc-error]").TextContent.Trim()));
        Assert.True(await Blobs.ExistsAsync(orphan));
    }

    private IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    /// <summary>Puts a blob of <paramref name="size"/> random bytes in the store, under the given hex or its own hash.</summary>
    private string Store(string? hex, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        hex ??= Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, bytes);
        Task.Run(() => Blobs.PublishAsync(path, hex)).GetAwaiter().GetResult();
        return hex;
    }
}
