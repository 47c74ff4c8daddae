using Microsoft.Playwright;
using SRegistry.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SRegistry.Tests.Browser;

/// <summary>
/// A researcher opens an image's contents in a real Chromium: the definition file is monospace, folded when long and
/// copied exactly; labels (hostile HTML among them) are a table of plain text; partitions are listed.
/// </summary>
public sealed class ImageContentsJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly BuiltSifs sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(BrowserFixture.Available, "Debian's chromium is not installed");
        Assert.SkipUnless(BuiltSifs.Available, "siftool or squashfs-tools is not installed");
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_contents_panel_shows_the_definition_labels_and_partitions_as_text()
    {
        var definition = "Bootstrap: docker\nFrom: debian:bookworm\n\n%post\n" + string.Join('\n', Enumerable.Range(1, 120).Select(i => $"    echo step {i}")) + "\n";
        const string labels = "{\"org.label-schema.version\":\"3.4\",\"note\":\"<img src=x onerror=\\\"document.title='owned'\\\">\"}";
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("alice")));
        await library.PushAsync("alice/radio/wsclean", await sifs.CreateAsync(definition, labels), tags: "v3.4");
        var page = await browser.NewPageAsync(server.BaseUrl);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);

        await page.OpenAsync("/collections/radio/wsclean");
        await page.GetByText("Contents (amd64: v3.4)").ClickAsync();

        var text = page.GetByTestId("definition-text");
        await Expect(text).ToBeVisibleAsync();
        Assert.Contains("monospace", await text.EvaluateAsync<string>("e => getComputedStyle(e).fontFamily"), StringComparison.Ordinal);
        // What is shown (innerText): a visitor's static page sends the folded tail hidden, a live page leaves it out.
        await Expect(text).ToContainTextAsync("echo step 35", new() { UseInnerText = true });
        await Expect(text).Not.ToContainTextAsync("echo step 120", new() { UseInnerText = true });
        await page.GetByTestId("definition-fold").ClickAsync();
        await Expect(text).ToContainTextAsync("echo step 120", new() { UseInnerText = true });

        await page.GetByTestId("definition-copy").ClickAsync();
        await Expect(page.GetByText("Copied the definition file")).ToBeVisibleAsync();
        Assert.Equal(definition, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        var note = page.GetByTestId("label-value").Nth(1);
        await Expect(note).ToHaveTextAsync("<img src=x onerror=\"document.title='owned'\">");
        Assert.Equal(0, await page.Locator("[data-testid=labels] img").CountAsync());
        Assert.NotEqual("owned", await page.TitleAsync());
        await Expect(page.GetByTestId("partition")).ToContainTextAsync("squashfs");
        await Expect(page.GetByTestId("unsigned")).ToHaveTextAsync("This image is not signed.");
        await page.ScreenshotAsync("image-contents");
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}
