using Bunit;
using MudBlazor;
using SRegistry.Web.Components.Shared;

namespace SRegistry.Tests.Dashboard;

public sealed class CopyCommandTests : DashboardTest
{
    [Fact]
    public void Copy_button_puts_the_exact_command_on_the_clipboard_and_confirms()
    {
        var copy = JSInterop.Setup<bool>("sregistry.copy", _ => true).SetResult(true);
        var snackbars = Render<MudSnackbarProvider>();
        var cut = Render<CopyCommand>(p => p.Add(c => c.Text, "singularity pull --library http://h:5000 a/b:c").Add(c => c.Label, "pull command"));

        Assert.Equal("singularity pull --library http://h:5000 a/b:c", cut.Find("code").TextContent);
        Click(cut, "button[aria-label='Copy pull command']");

        Assert.Equal("singularity pull --library http://h:5000 a/b:c", copy.Invocations.Single().Arguments[0]);
        snackbars.WaitForAssertion(() => Assert.Contains("Copied the pull command", snackbars.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void A_blocked_clipboard_says_to_copy_by_hand()
    {
        JSInterop.Setup<bool>("sregistry.copy", _ => true).SetResult(false);
        var snackbars = Render<MudSnackbarProvider>();
        var cut = Render<CopyCommand>(p => p.Add(c => c.Text, "secret").Add(c => c.Label, "token"));

        Click(cut, "button");

        snackbars.WaitForAssertion(() => Assert.Contains("copy it by hand", snackbars.Markup, StringComparison.Ordinal));
    }
}
