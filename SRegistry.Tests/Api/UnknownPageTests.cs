using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

/// <summary>An address no page has, at any depth, gets the dashboard's not-found page with a 404; API paths keep their envelope.</summary>
public sealed class UnknownPageTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/a/b/c/d")]
    [InlineData("/collections/astro/tool/extra")]
    [InlineData("/teams/crew/members/more")]
    public async Task A_browser_gets_the_not_found_page_with_a_404(string path)
    {
        using var http = server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("Page not found", page, StringComparison.Ordinal);
        Assert.Contains("Browse collections", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_api_path_keeps_the_json_envelope()
    {
        using var http = server.Client();

        using var response = await http.GetAsync("/v1/a/b/c");

        var message = await LibraryProtocol.ErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("no such API endpoint", message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
