using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

/// <summary>
/// JSON endpoints take JSON only: no Content-Type (the Go client) or a JSON one. A text/plain or form body (what a
/// page on another site can post without a preflight) is refused with 415 in the library envelope and changes nothing.
/// </summary>
public sealed class JsonContentTypeTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();
    private LibraryProtocol library = null!;
    private string entityId = "";

    public async ValueTask InitializeAsync()
    {
        library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("nina")));
        await library.EnsureContainerAsync("nina", "base", "first");
        entityId = (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/entities/nina")))["id"]!;
    }

    private static StringContent Typed(object body, string contentType) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } };

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/jsonp")]
    public async Task A_json_body_under_another_content_type_is_refused_and_nothing_is_created(string contentType)
    {
        var response = await library.Http.PostAsync("v1/collections", Typed(new { name = "planted", entity = entityId, description = "" }, contentType));

        var message = await LibraryProtocol.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await library.Http.GetAsync("v1/collections/nina/planted")).StatusCode);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData("application/vnd.sylabs+json")]
    public async Task A_json_content_type_is_accepted(string contentType)
    {
        var response = await library.Http.PostAsync("v1/collections", Typed(new { name = "typed", entity = entityId, description = "" }, contentType));

        await LibraryProtocol.DataAsync(response);
        Assert.Equal(HttpStatusCode.OK, (await library.Http.GetAsync("v1/collections/nina/typed")).StatusCode);
    }

    [Fact]
    public async Task A_tag_move_posted_as_text_plain_leaves_the_tag_where_it_was()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        var first = await sifs.CreateAsync(2_000);
        var second = await sifs.CreateAsync(3_000);
        await library.PushAsync("nina/base/first", first);
        var secondId = await library.PushAsync("nina/base/first", second, tags: "other");
        var containerId = (string)(await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/containers/nina/base/first")))["id"]!;

        var move = await library.Http.PostAsync($"v2/tags/{containerId}", Typed(new { Arch = "amd64", Tag = "latest", ImageID = secondId }, "text/plain"));

        await LibraryProtocol.ErrorAsync(move, HttpStatusCode.UnsupportedMediaType);
        var latest = await LibraryProtocol.DataAsync(await library.Http.GetAsync("v1/images/nina/base/first:latest?arch=amd64"));
        Assert.Equal(first.Hash, (string)latest["hash"]!);
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}
