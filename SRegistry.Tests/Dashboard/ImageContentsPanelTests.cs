using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Sif;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Components.Pages.Collections;
using SRegistry.Web.Components.Pages.Containers;

namespace SRegistry.Tests.Dashboard;

/// <summary>
/// The container page's contents panel for images whose contents were read from real SIFs (siftool + mksquashfs),
/// hostile ones included, and the collection page's signed-only switch.
/// </summary>
public sealed class ImageContentsPanelTests : DashboardTest
{
    private readonly BuiltSifs sifs = new();

    public ImageContentsPanelTests() =>
        Assert.SkipUnless(BuiltSifs.Available, "siftool or squashfs-tools is not installed");

    [Fact]
    public async Task Each_tag_and_architecture_gets_its_definition_labels_and_partitions()
    {
        await Seed.CollectionAsync("alice", "astro");
        await ImageWithContentsAsync("astro", "wsclean", "amd64", ["v3.4"], await sifs.CreateAsync());
        await ImageWithContentsAsync("astro", "wsclean", "arm64", ["v3.4"], await sifs.CreateAsync(arch: "arm64"));

        var cut = RenderContainer("astro", "wsclean");

        var panels = cut.FindAll("[data-testid=contents]");
        Assert.Equal(2, panels.Count);
        Assert.Contains(panels, p => p.TextContent.Contains("Contents (amd64: v3.4)", StringComparison.Ordinal));
        Assert.Contains(panels, p => p.TextContent.Contains("Contents (arm64: v3.4)", StringComparison.Ordinal));
        foreach (var header in cut.FindAll(".mud-expand-panel-header"))
        {
            header.Click();
        }
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=definition-text]").Count));
        Assert.Equal(BuiltSifs.Definition, cut.Find("[data-testid=definition-text]").TextContent);
        Assert.Equal("pre", cut.Find("[data-testid=definition-text]").TagName.ToLowerInvariant());
        var keys = cut.FindAll("[data-testid=label-key]").Select(k => k.TextContent).ToList();
        var values = cut.FindAll("[data-testid=label-value]").Select(v => v.TextContent).ToList();
        Assert.Equal("3.4", values[keys.IndexOf("org.label-schema.version")]);
        Assert.Equal("Radio Astronomy <ra@example.org>", values[keys.IndexOf("maintainer")]);
        var partitions = cut.FindAll("[data-testid=partition]").Select(p => p.TextContent).ToList();
        Assert.Contains(partitions, p => p.Contains("primary system", StringComparison.Ordinal) && p.Contains("squashfs", StringComparison.Ordinal) && p.Contains("arm64", StringComparison.Ordinal));
        Assert.Contains(partitions, p => p.Contains("amd64", StringComparison.Ordinal));
        Assert.All(cut.FindAll("[data-testid=unsigned]"), u => Assert.Equal("This image is not signed.", u.TextContent));
        Assert.Contains("inspect-metadata.json", cut.Find("[data-testid=metadata]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_metadata_is_bounded_folded_explained_and_shown_as_text()
    {
        var huge = string.Join('\n', Enumerable.Range(1, 30_000).Select(i => $"    echo line {i}"));
        await Seed.CollectionAsync("alice", "hostile");
        await ImageWithContentsAsync("hostile", "huge", "amd64", ["v1"], await sifs.CreateAsync(definition: huge, labels: "{\"broken\": "));
        await ImageWithContentsAsync("hostile", "html", "amd64", ["v1"], await sifs.CreateAsync(definition: null,
            labels: "{\"<script>alert(1)</script>\":\"<b onmouseover=alert(2)>bold</b>\"}", metadata: false));

        var cut = RenderContainer("hostile", "huge");
        cut.Find(".mud-expand-panel-header").Click();
        var text = cut.WaitForElement("[data-testid=definition-text]").TextContent;
        Assert.Equal(DefinitionFile.FoldedLines + 1, text.Split('\n').Length);
        Assert.StartsWith("    echo line 1\n", text, StringComparison.Ordinal);
        Assert.Contains("The definition file is", cut.Find("[data-testid=definition-cut]").TextContent, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", cut.Find("[data-testid=labels-problem]").TextContent, StringComparison.Ordinal);
        Click(cut, "[data-testid=definition-fold]");
        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=definition-text]").TextContent.Length >= SifContentsReader.MaxDefinitionBytes - 4));
        var stored = await InDatabaseAsync(db => db.ImageContents.SingleAsync(c => c.DefinitionBytes > SifContentsReader.MaxDefinitionBytes));
        Assert.Equal(huge.Length, stored.DefinitionBytes);
        Assert.Equal(SifContentsReader.MaxDefinitionBytes, stored.DefinitionFile!.Length);

        var html = RenderContainer("hostile", "html");
        html.Find(".mud-expand-panel-header").Click();
        html.WaitForElement("[data-testid=label-key]");
        Assert.Equal("<script>alert(1)</script>", html.Find("[data-testid=label-key]").TextContent);
        Assert.Equal("<b onmouseover=alert(2)>bold</b>", html.Find("[data-testid=label-value]").TextContent);
        Assert.Empty(html.FindAll("script"));
        Assert.Empty(html.FindAll("[data-testid=label-value] b"));
        Assert.Equal("This image holds no definition file.", html.Find("[data-testid=no-definition]").TextContent);
    }

    [Fact]
    public async Task The_three_signature_verdicts_are_shown_as_the_registry_words_them()
    {
        await Seed.CollectionAsync("alice", "sigs");
        var verified = await ImageWithContentsAsync("sigs", "tool", "amd64", ["good"], await sifs.CreateAsync());
        var unknown = await ImageWithContentsAsync("sigs", "tool", "amd64", ["stranger"], await sifs.CreateAsync());
        var broken = await ImageWithContentsAsync("sigs", "tool", "amd64", ["broken"], await sifs.CreateAsync());
        await VerdictAsync(verified, SignatureState.Verified, "verified: signed by Vera <vera@example.org> (ABCD), key held here");
        await VerdictAsync(unknown, SignatureState.UnknownKey, "signed by a key this registry does not hold (ABCD)");
        await VerdictAsync(broken, SignatureState.DoesNotVerify, "signature does not verify: the data of object 4 does not match what was signed");

        var cut = RenderContainer("sigs", "tool");

        var chips = cut.FindAll("[data-testid=signature-state]").Select(c => c.TextContent.Trim()).Order().ToList();
        Assert.Equal(["signature does not verify", "signed, key not held here", "verified"], chips);
        foreach (var header in cut.FindAll(".mud-expand-panel-header"))
        {
            header.Click();
        }
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=verdict]").Count));
        var verdicts = cut.FindAll("[data-testid=verdict]").ToDictionary(v => v.GetAttribute("data-state")!, v => v.TextContent);
        Assert.Contains("key held here", verdicts["Verified"], StringComparison.Ordinal);
        Assert.Contains("does not hold", verdicts["UnknownKey"], StringComparison.Ordinal);
        Assert.Contains("the data of object 4", verdicts["DoesNotVerify"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_owner_turns_on_signed_only_and_sees_which_images_break_it_while_others_only_read_it()
    {
        await Seed.CollectionAsync("alice", "vault");
        await ImageWithContentsAsync("vault", "plain", "amd64", ["v1"], await sifs.CreateAsync());
        await SignInAsync("alice");
        Render<MudPopoverProvider>();
        popovers = true;
        Render<MudSnackbarProvider>();

        var page = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        page.WaitForElement("[data-testid=signed-only] input[type=checkbox]").Change(true);

        page.WaitForAssertion(() => Assert.Contains("plain", page.Find("[data-testid=signed-only-breach]").TextContent, StringComparison.Ordinal));
        Assert.Contains("the image is unsigned", page.Find("[data-testid=signed-only-breach]").TextContent, StringComparison.Ordinal);
        Assert.True(await InDatabaseAsync(db => db.Collections.Where(c => c.Name == "vault").Select(c => c.RequireSignedImages).SingleAsync()));
        var container = RenderContainer("vault", "plain");
        container.Find(".mud-expand-panel-header").Click();
        Assert.Contains("the image is unsigned", container.WaitForElement("[data-testid=rule-breach]").TextContent, StringComparison.Ordinal);

        await SignInAsync("mallory");
        var stranger = Loaded(Render<CollectionPage>(p => p.Add(c => c.Name, "vault")));
        Assert.Contains("Accepts only images signed", stranger.WaitForElement("[data-testid=signed-only-state]").TextContent, StringComparison.Ordinal);
        Assert.Empty(stranger.FindAll("[data-testid=signed-only] input[type=checkbox]"));
    }

    [Fact]
    public async Task Collection_search_matches_label_keys_and_values()
    {
        await Seed.CollectionAsync("alice", "radio");
        await Seed.CollectionAsync("alice", "genomics");
        await ImageWithContentsAsync("radio", "wsclean", "amd64", ["v3.4"], await sifs.CreateAsync());
        var cut = Render<CollectionList>();
        cut.WaitForAssertion(() => Assert.Contains("genomics", cut.Markup, StringComparison.Ordinal));

        cut.Find("input[data-testid=collection-search]").Input("org.label-schema.version");
        cut.WaitForAssertion(() => Assert.DoesNotContain("genomics", cut.Markup, StringComparison.Ordinal));
        Assert.Contains("radio", cut.Markup, StringComparison.Ordinal);

        cut.Find("input[data-testid=collection-search]").Input("Radio Astronomy");
        cut.WaitForAssertion(() => Assert.Contains("radio", cut.Markup, StringComparison.Ordinal));
        cut.Find("input[data-testid=collection-search]").Input("label-schema.nothing");
        cut.WaitForAssertion(() => Assert.Contains("No collection matches", cut.Markup, StringComparison.Ordinal));
    }

    private bool popovers;

    private IRenderedComponent<ContainerPage> RenderContainer(string collection, string container)
    {
        if (!popovers)
        {
            Render<MudPopoverProvider>();
            popovers = true;
        }
        var cut = Loaded(Render<ContainerPage>(p => p.Add(c => c.Collection, collection).Add(c => c.Container, container)));
        cut.WaitForElement("[data-testid=contents]");
        return cut;
    }

    /// <summary>An uploaded image whose contents are read from <paramref name="sif"/> as a push reads them.</summary>
    private async Task<string> ImageWithContentsAsync(string collection, string container, string arch, string[] tags, (string Path, string Hash, long Size) sif)
    {
        var id = await Seed.ImageAsync("alice", collection, container, arch, sif.Size, tags);
        await InScopeAsync(async sp =>
        {
            SifContents contents;
            using (var file = File.OpenHandle(sif.Path))
            {
                var read = SifContentsReader.Read(SifSource.FromFile(file));
                contents = read.Contents ?? throw new InvalidOperationException(read.Error);
            }
            var db = sp.GetRequiredService<RegistryDbContext>();
            await sp.GetRequiredService<ImageContentsService>().RecordAsync(await db.Images.SingleAsync(i => i.Id == id), contents);
            return await db.SaveChangesAsync();
        });
        return id;
    }

    private Task<int> VerdictAsync(string imageId, SignatureState state, string detail) =>
        InDatabaseAsync(db => db.ImageContents.Where(c => c.ImageId == imageId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.SignatureState, state)
            .SetProperty(c => c.VerdictsJson, System.Text.Json.JsonSerializer.Serialize(
                new List<SignatureVerdict> { new(5, state, "ABCD", null, null, detail) }, VerdictJson.Default.ListSignatureVerdict))));

    protected override async ValueTask DisposeAsyncCore()
    {
        sifs.Dispose();
        await base.DisposeAsyncCore();
    }
}
