using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Accounts;
using SRegistry.Core.Keys;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.KeyClient;
using KeysPage = SRegistry.Web.Components.Pages.Account.Keys;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>The signing keys page and the container page's signers, on real keys made by GnuPG and published through the keyserver.</summary>
public sealed class KeysPageTests : DashboardTest
{
    private readonly GnuPG gpg = new();

    public KeysPageTests() => Assert.SkipUnless(GnuPG.Available, "gnupg is not installed");

    [Fact]
    public async Task Without_keys_the_page_says_so_and_shows_how_to_push_one()
    {
        await SignInAsync("alice");

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("You have not pushed any keys yet", cut.Find("[data-testid=keys-empty]").TextContent, StringComparison.Ordinal));
        Assert.Contains("singularity key push &lt;fingerprint&gt;", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Own_keys_are_listed_with_their_details_and_nobody_elses()
    {
        var alice = await SignInAsync("alice");
        var mine = await PublishAsync(alice, "Alice Keys <alice.keys@example.org>");
        var bob = await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("bob", false));
        var bobs = await PublishAsync(bob, "Bob Keys <bob.keys@example.org>");

        var cut = RenderPage();

        var table = cut.WaitForElement("[data-testid=keys-table]");
        Assert.Equal(mine, cut.Find("[data-testid=key-fingerprint]").TextContent);
        Assert.Contains("Alice Keys <alice.keys@example.org>", table.TextContent, StringComparison.Ordinal);
        Assert.Contains("EdDSA 256", table.TextContent, StringComparison.Ordinal);
        Assert.Contains(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), table.TextContent, StringComparison.Ordinal);
        Assert.Contains("never", table.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(bobs, cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=all-keys]"));
    }

    [Fact]
    public async Task Revoked_and_expired_keys_are_marked()
    {
        var alice = await SignInAsync("alice");
        var revoked = await gpg.GenerateAsync("Revoked Rita <rita@example.org>");
        await gpg.RevokeAsync(revoked);
        await PublishAsync(alice, await gpg.ExportAsync(revoked), isText: true);
        var old = await gpg.GenerateAsync("Expired Ed <ed@example.org>", expires: "1d", madeAt: DateTimeOffset.UtcNow.AddYears(-1));
        await PublishAsync(alice, await gpg.ExportAsync(old), isText: true);

        var cut = RenderPage();

        cut.WaitForElement("[data-testid=keys-table]");
        Assert.Single(cut.FindAll("[data-testid=key-revoked]"));
        Assert.Single(cut.FindAll("[data-testid=key-expired]"));
    }

    [Fact]
    public async Task Removing_a_key_takes_it_off_the_keyserver()
    {
        var alice = await SignInAsync("alice");
        var fingerprint = await PublishAsync(alice, "Gone Soon <gone.soon@example.org>");
        var cut = RenderPage();

        cut.WaitForElement("[data-testid=remove-key]").Click();
        Confirm();

        cut.WaitForElement("[data-testid=keys-empty]");
        var query = KeyQuery.Parse("0x" + fingerprint, exact: true).Value!;
        var found = await InScopeAsync(sp => sp.GetRequiredService<Keyserver>().LookupAsync(query));
        Assert.Empty(found.Value!.Keys);
    }

    [Fact]
    public async Task Admins_see_everyones_keys_and_may_remove_them()
    {
        var bob = await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("bob", false));
        var bobs = await PublishAsync(bob, "Bob Admin View <bob.admin@example.org>");
        await SignInAsync("ada", admin: true);
        var cut = RenderPage();

        cut.WaitForElement("[data-testid=keys-empty]");
        cut.Find("input[data-testid=all-keys]").Change(true);

        cut.WaitForAssertion(() => Assert.Contains(bobs, cut.Find("[data-testid=keys-table]").TextContent, StringComparison.Ordinal));
        Assert.Contains("bob", cut.Find("[data-testid=keys-table]").TextContent, StringComparison.Ordinal);
        Click(cut, "[data-testid=remove-key]");
        Confirm();
        cut.WaitForElement("[data-testid=keys-empty]");
        Assert.Equal(0, await InDatabaseAsync(db => db.SigningKeys.CountAsync()));
    }

    [Fact]
    public async Task A_user_disabled_meanwhile_gets_an_error_not_a_list()
    {
        var alice = await SignInAsync("alice");
        await PublishAsync(alice, "Disabled Dora <dora@example.org>");
        await InDatabaseAsync(db => db.Users.Where(u => u.Id == alice.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true)));

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("sign in", cut.Find("[data-testid=keys-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=keys-table]"));
    }

    [Fact]
    public async Task The_container_page_names_known_signers_and_marks_unknown_ones()
    {
        var alice = await SignInAsync("alice");
        var known = await PublishAsync(alice, "Signing Sam <sam.signs@example.org>");
        const string unknown = "0123456789ABCDEF0123456789ABCDEF01234567";
        await Seed.CollectionAsync("alice", "tools");
        var imageId = await Seed.ImageAsync("alice", "tools", "signed", "amd64", 1000, "latest");
        await InDatabaseAsync(db => db.Images.Where(i => i.Id == imageId).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.IsSigned, true).SetProperty(i => i.SignerFingerprints, known + " " + unknown)));
        Render<MudPopoverProvider>();

        var cut = Render<ContainerPage>(p => p.Add(c => c.Collection, "tools").Add(c => c.Container, "signed"));

        cut.WaitForElement("[data-testid=signed]");
        var signers = cut.FindAll("[data-testid=signer]");
        Assert.Equal(2, signers.Count);
        Assert.Contains("Signing Sam <sam.signs@example.org>", signers[0].TextContent, StringComparison.Ordinal);
        Assert.Contains(known, signers[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("key not on this keyserver", signers[1].TextContent, StringComparison.Ordinal);
        Assert.Contains(unknown, signers[1].TextContent, StringComparison.Ordinal);
    }

    private IRenderedComponent<MudDialogProvider> dialogs = default!;

    private IRenderedComponent<KeysPage> RenderPage()
    {
        Render<MudPopoverProvider>();
        dialogs = Render<MudDialogProvider>();
        return Loaded(Render<KeysPage>());
    }

    private void Confirm() => dialogs.WaitForElement(".mud-message-box__yes-button, .mud-dialog-actions button:last-child").Click();

    /// <summary>Makes a GnuPG key for <paramref name="userIdOrText"/> (or takes armoured text) and publishes it as <paramref name="user"/>.</summary>
    private async Task<string> PublishAsync(User user, string userIdOrText, bool isText = false)
    {
        var text = isText ? userIdOrText : await gpg.ExportAsync(await gpg.GenerateAsync(userIdOrText));
        var published = await InScopeAsync(async sp =>
        {
            var who = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(user.Id);
            return await sp.GetRequiredService<Keyserver>().PublishAsync(who, text);
        });
        Assert.True(published.Succeeded, published.Message);
        return published.Value![0].Fingerprint;
    }

    /// <summary>xunit disposes bUnit contexts asynchronously; stop the GnuPG agent and delete its home then.</summary>
    protected override async ValueTask DisposeAsyncCore()
    {
        gpg.Dispose();
        await base.DisposeAsyncCore();
    }
}
