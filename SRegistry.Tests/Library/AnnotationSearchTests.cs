using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Library;

/// <summary>
/// The library's /v1/search finds containers and images through their tags' annotations (key, value or key=value),
/// only where the caller may see them, with the response shaped exactly as for any other search (the real client parses it).
/// </summary>
public sealed class AnnotationSearchTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private readonly SifFiles sifs = new();
    private string ownerToken = "";

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        ownerToken = await server.CreateTokenAsync("olive");
        var library = new LibraryProtocol(server.Client(ownerToken));
        await library.PushAsync("olive/ml/torch", await sifs.CreateAsync(2_000), tags: "2.1");
        await library.PushAsync("olive/ml/plain", await sifs.CreateAsync(2_000), tags: "1.0");
        await library.PushAsync("olive/vault/hidden", await sifs.CreateAsync(2_000), tags: "1.0");
        await server.MakeCollectionPrivateAsync("vault");
        await AnnotateAsync("ml", "torch", "2.1", "cuda", "12.1");
        await AnnotateAsync("vault", "hidden", "1.0", "cuda", "12.4");
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("12.1")]
    [InlineData("CUDA=12")]
    public async Task An_annotation_finds_its_container_and_image_for_everyone_who_may_see_them(string text)
    {
        var anonymous = await SearchAsync(null, text);
        Assert.Equal(["torch"], Names(anonymous, "container"));
        Assert.Equal(["torch"], Names(anonymous, "image", "containerName"));

        var owner = await SearchAsync(ownerToken, "cuda");
        Assert.Equal(["hidden", "torch"], Names(owner, "container").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_response_keeps_the_wire_shape_of_a_name_search()
    {
        var byAnnotation = await SearchAsync(null, "cuda");
        var byName = await SearchAsync(null, "torch");
        Assert.Equal(Keys(byName), Keys(byAnnotation));
        Assert.Equal(Keys(byName["container"]![0]!.AsObject()), Keys(byAnnotation["container"]![0]!.AsObject()));
        Assert.Equal(Keys(byName["image"]![0]!.AsObject()), Keys(byAnnotation["image"]![0]!.AsObject()));
        if (LibraryClientDriver.Available)
        {
            var client = await LibraryClientDriver.RunAsync(server.BaseUrl, null, "search", "cuda=12.1");
            Assert.True(client.Succeeded, client.Error);
            Assert.Equal("torch", (string)Assert.Single(client.Json["image"]!.AsArray())!["containerName"]!);
        }
    }

    private async Task<JsonObject> SearchAsync(string? token, string text) =>
        (await LibraryProtocol.DataAsync(await server.Client(token).GetAsync($"v1/search?value={Uri.EscapeDataString(text)}"))).AsObject();

    private static List<string> Names(JsonObject found, string kind, string field = "name") =>
        [.. found[kind]!.AsArray().Select(n => (string)n![field]!)];

    private static List<string> Keys(JsonObject o) => [.. o.Select(p => p.Key).Order(StringComparer.Ordinal)];

    private Task<int> AnnotateAsync(string collection, string container, string tag, string key, string value) => server.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<RegistryDbContext>();
        var found = await db.Tags.SingleAsync(t => t.Container!.Collection!.Name == collection && t.Container.Name == container && t.Name == tag);
        db.TagAnnotations.Add(new TagAnnotation { ContainerId = found.ContainerId, Arch = found.Arch, TagName = found.Name, Key = key, Value = value });
        return await db.SaveChangesAsync();
    });

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}
