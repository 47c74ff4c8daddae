using System.Net.Http.Headers;
using SRegistry.Tests.EndToEnd.KeyClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Keys;

/// <summary>A registry with two users (alice, bob) and a GnuPG home to make their keys in.</summary>
public sealed class KeyserverWorld : RegistryServer, IAsyncLifetime
{
    public GnuPG Gpg { get; } = new();
    public string AliceToken { get; private set; } = "";
    public string BobToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        AliceToken = await CreateTokenAsync("alice");
        BobToken = await CreateTokenAsync("bob");
    }

    /// <summary>POST /pks/add as the key client sends it: a URL-encoded form with <c>keytext</c>.</summary>
    public Task<HttpResponseMessage> PushAsync(string? token, string keyText) =>
        Client(token).PostAsync("pks/add", new FormUrlEncodedContent([new("keytext", keyText)]));

    public Task<HttpResponseMessage> LookupAsync(string query) => Client().GetAsync("pks/lookup?" + query);

    public static StringContent Form(string body, string contentType = "application/x-www-form-urlencoded") =>
        new(body, new MediaTypeHeaderValue(contentType));

    public override async ValueTask DisposeAsync()
    {
        Gpg.Dispose();
        await base.DisposeAsync();
    }
}
