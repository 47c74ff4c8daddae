using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Naming;
using SRegistry.Web.Components.Pages.Collections;

namespace SRegistry.Tests.Dashboard;

public sealed class NewCollectionDialogTests : DashboardTest
{
    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<DialogResult?> Result)> OpenAsync()
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await provider.InvokeAsync(async () => reference = await dialogs.ShowAsync<NewCollectionDialog>("New collection"));
        return (provider, reference!.Result);
    }

    [Theory]
    [InlineData("Upper", "lower-case")]
    [InlineData("with.dot", "no '/' or '.'")]
    [InlineData("a/b", "no '/' or '.'")]
    [InlineData("trailing-", "joined by single")]
    public async Task Invalid_names_are_explained_as_you_type(string name, string expected)
    {
        await SignInAsync("alice");
        var (provider, _) = await OpenAsync();

        provider.Find("input[data-testid=collection-name]").Input(name);

        provider.WaitForAssertion(() => Assert.Contains(expected, provider.Find(".mud-input-error").TextContent, StringComparison.Ordinal));
        Assert.Contains(NameRules.CollectionNameRule, provider.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_name_is_refused_with_the_same_message_as_the_api()
    {
        await Seed.CollectionAsync("bob", "astro", isPrivate: true);
        await SignInAsync("alice");
        var (provider, _) = await OpenAsync();

        provider.Find("input[data-testid=collection-name]").Input("astro");

        provider.WaitForAssertion(() => Assert.Contains("collection name 'astro' is already taken", provider.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_stores_the_collection_with_its_settings_and_closes()
    {
        var alice = await SignInAsync("alice");
        var (provider, result) = await OpenAsync();

        provider.Find("input[data-testid=collection-name]").Input("genomics");
        provider.Find("textarea[data-testid=collection-description]").Input("Pipelines for the sequencer");
        provider.Find("input[data-testid=collection-private]").Change(true);
        Click(provider, "[data-testid=create-collection]");

        var closed = await result.WaitAsync(TimeSpan.FromSeconds(10), Xunit.TestContext.Current.CancellationToken);
        Assert.Equal("genomics", closed!.Data);
        var stored = await InDatabaseAsync(db => db.Collections.SingleAsync(c => c.Name == "genomics"));
        Assert.Equal(alice.Id, stored.OwnerId);
        Assert.True(stored.IsPrivate);
        Assert.Equal("Pipelines for the sequencer", stored.Description);
    }

    [Fact]
    public async Task Create_with_an_empty_name_stores_nothing()
    {
        await SignInAsync("alice");
        var (provider, result) = await OpenAsync();

        Click(provider, "[data-testid=create-collection]");

        provider.WaitForAssertion(() => Assert.Contains("a name is required", provider.Markup, StringComparison.Ordinal));
        Assert.False(result.IsCompleted);
        Assert.Equal(0, await InDatabaseAsync(db => db.Collections.CountAsync()));
    }
}
