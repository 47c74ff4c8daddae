using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Accounts;
using SRegistry.Web.Components.Pages.Account;

namespace SRegistry.Tests.Dashboard;

public sealed class TokensPageTests : DashboardTest
{
    private IRenderedComponent<Tokens> RenderPage()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        return Loaded(Render<Tokens>());
    }

    [Fact]
    public async Task Without_tokens_the_page_says_so()
    {
        await SignInAsync("alice");
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("You have no tokens yet", cut.Find("[data-testid=tokens-empty]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_token_is_shown_once_with_login_steps_and_stored_only_as_a_hash()
    {
        var alice = await SignInAsync("alice");
        var cut = RenderPage();

        cut.Find("input[data-testid=token-name]").Input("cluster-login-node");
        Click(cut, "[data-testid=create-token]");

        var secret = cut.WaitForElement("[data-testid=token-secret] code").TextContent;
        Assert.StartsWith("sreg_", secret, StringComparison.Ordinal);
        Assert.Contains("singularity remote login sregistry", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("singularity remote add --no-login --insecure sregistry http://localhost", cut.Find("[data-testid=token-remote-add] code").TextContent);
        Assert.Contains("remote use", cut.Find("[data-testid=remote-use-note]").TextContent, StringComparison.Ordinal);
        var stored = await InDatabaseAsync(db => db.ApiTokens.SingleAsync());
        Assert.Equal(alice.Id, stored.UserId);
        Assert.Equal("cluster-login-node", stored.Name);
        Assert.Equal(TokenService.Hash(secret), stored.SecretHash);
        Assert.DoesNotContain(secret, stored.SecretHash, StringComparison.Ordinal);
        Assert.NotNull(stored.ExpiresAt);
        var validated = await InScopeAsync(sp => sp.GetRequiredService<TokenService>().ValidateAsync(secret));
        Assert.Equal(alice.Id, validated!.Id);

        // Once dismissed, the secret is gone from the page; the list shows only its prefix.
        // The list reloads after the token is made; a click that lands mid-render is tried again on the new tree.
        Click(cut, "[data-testid=token-done]");
        cut.WaitForAssertion(() => Assert.DoesNotContain(secret, cut.Markup, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Contains(stored.Prefix, cut.Find("[data-testid=tokens-table]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_second_token_gets_the_same_expiry_as_the_first_not_never()
    {
        await SignInAsync("alice");
        var cut = RenderPage();
        foreach (var name in new[] { "first", "second" })
        {
            cut.Find("input[data-testid=token-name]").Input(name);
            Click(cut, "[data-testid=create-token]");
            cut.WaitForAssertion(() => Assert.Contains($"Token “{name}” created", cut.Find("[data-testid=new-token]").TextContent, StringComparison.Ordinal));
        }

        var expiries = await InDatabaseAsync(db => db.ApiTokens.OrderBy(t => t.Name).Select(t => t.ExpiresAt).ToListAsync());
        Assert.Equal(2, expiries.Count);
        Assert.All(expiries, e => Assert.Equal(Clock.GetUtcNow().AddDays(90), e!.Value, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_token_needs_a_name()
    {
        await SignInAsync("alice");
        var cut = RenderPage();

        Click(cut, "[data-testid=create-token]");

        cut.WaitForAssertion(() => Assert.Contains("give the token a name", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(0, await InDatabaseAsync(db => db.ApiTokens.CountAsync()));
    }

    [Fact]
    public async Task Revoked_tokens_stop_working()
    {
        var alice = await SignInAsync("alice");
        var issued = await InScopeAsync(sp => sp.GetRequiredService<TokenService>().IssueAsync(alice.Id, "laptop", null));
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Tokens>();

        cut.WaitForElement("[data-testid=revoke-token]").Click();
        dialogs.WaitForElement(".mud-message-box__yes-button, .mud-dialog-actions button:last-child").Click();

        cut.WaitForAssertion(() => Assert.Contains("revoked", cut.Find("[data-testid=tokens-table]").TextContent, StringComparison.Ordinal));
        Assert.Null(await InScopeAsync(sp => sp.GetRequiredService<TokenService>().ValidateAsync(issued.Secret)));
    }

    [Fact]
    public async Task Other_users_tokens_are_not_listed()
    {
        var bob = await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("bob", false));
        await InScopeAsync(sp => sp.GetRequiredService<TokenService>().IssueAsync(bob.Id, "bobs-secret-machine", null));
        await SignInAsync("alice");

        var cut = RenderPage();

        cut.WaitForElement("[data-testid=tokens-empty]");
        Assert.DoesNotContain("bobs-secret-machine", cut.Markup, StringComparison.Ordinal);
    }
}
