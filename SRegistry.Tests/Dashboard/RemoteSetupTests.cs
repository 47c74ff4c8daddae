using Bunit;
using SRegistry.Web.Components.Shared;

namespace SRegistry.Tests.Dashboard;

/// <summary>The remote commands are shown as the client needs them for this server's scheme.</summary>
public sealed class RemoteSetupTests() : DashboardTest(new Dictionary<string, string?> { ["Registry:PublicBaseUrl"] = "https://containers.example.ac.za" })
{
    [Fact]
    public void Over_https_remote_add_has_no_insecure_flag_and_the_note_explains_remote_use()
    {
        var cut = Render<RemoteSetup>(p => p.Add(r => r.TestIdPrefix, "x"));

        Assert.Equal("singularity remote add --no-login sregistry https://containers.example.ac.za", cut.Find("[data-testid=x-remote-add] code").TextContent);
        Assert.Equal("singularity remote use sregistry", cut.Find("[data-testid=x-remote-use] code").TextContent);
        var note = cut.Find("[data-testid=remote-use-note]").TextContent;
        Assert.Contains("--library https://containers.example.ac.za", note, StringComparison.Ordinal);
        Assert.DoesNotContain("--insecure", note, StringComparison.Ordinal);
    }
}
