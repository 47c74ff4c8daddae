using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Tests.Oci;

/// <summary>
/// Where registry tokens stop: bad Basic credentials at <c>/v2/token</c> feed the same brake as bad bearer tokens,
/// registry tokens run out after five minutes of the app's clock, and the library endpoints never take one for an API
/// token (nor count it as a guess).
/// </summary>
public sealed class RegistryTokenBoundaryTests
{
    private static HttpClient Basic(RegistryServer server, string username, string password)
    {
        var client = server.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        return client;
    }

    [Fact]
    public async Task Bad_basic_credentials_count_against_the_brake_and_a_valid_pair_still_passes()
    {
        await using var server = new RegistryServer().With("Registry:FailedTokenLimit", "2").With("Registry:FailedTokenWindow", "00:01:00");
        var token = await server.CreateTokenAsync("bob");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Basic(server, "bob", "sreg_guess1").GetAsync("v2/token")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Basic(server, "alice", token).GetAsync("v2/token")).StatusCode);

        var braked = await Basic(server, "bob", "sreg_guess3").GetAsync("v2/token");
        Assert.Equal((HttpStatusCode)429, braked.StatusCode);
        Assert.Equal("TOOMANYREQUESTS", (string)JsonNode.Parse(await braked.Content.ReadAsStringAsync())!["errors"]![0]!["code"]!);
        Assert.InRange(braked.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        // The same brake as bearer tokens: a bad API token from that address is braked too.
        Assert.Equal((HttpStatusCode)429, (await server.Client("sreg_guess4").GetAsync("v1/token-status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Basic(server, "bob", token).GetAsync("v2/token")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client(token).GetAsync("v1/token-status")).StatusCode);
    }

    [Fact]
    public async Task A_registry_token_is_not_an_api_token_and_never_counts_as_a_guess()
    {
        await using var server = new RegistryServer().With("Registry:FailedTokenLimit", "1");
        var token = await server.CreateTokenAsync("carol");
        var registryToken = (string)JsonNode.Parse(await Basic(server, "carol", token).GetStringAsync("v2/token?scope=repository:carol/c/n:pull"))!["token"]!;
        for (var i = 0; i < 3; i++)
        {
            var client = server.Client(registryToken);
            await LibraryProtocol.ErrorAsync(await client.GetAsync("v1/token-status"), HttpStatusCode.NotFound);
            await LibraryProtocol.ErrorAsync(await client.GetAsync("v1/rbac/users/current"), HttpStatusCode.Unauthorized);
            await LibraryProtocol.ErrorAsync(await client.PostAsync("v1/collections", LibraryProtocol.Json(new { name = "c" })), HttpStatusCode.Unauthorized);
        }
        // The brake saw nothing: the first bad API token is an ordinary 404, only the next one is braked.
        await LibraryProtocol.ErrorAsync(await server.Client("sreg_guess").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client("sreg_guess").GetAsync("v1/token-status"), (HttpStatusCode)429);
    }

    [Fact]
    public async Task A_forged_registry_token_is_a_bad_token()
    {
        await using var server = new RegistryServer().With("Registry:FailedTokenLimit", "1");
        var forged = RegistryTokens.Prefix + "CfDJ8AAAAAAAAAAAAAAAAAAAAAA";
        await LibraryProtocol.ErrorAsync(await server.Client(forged).GetAsync("v1/token-status"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client(forged).GetAsync("v1/token-status"), (HttpStatusCode)429);
    }

    [Fact]
    public async Task Registry_tokens_expire_after_five_minutes_of_the_apps_clock()
    {
        await using var server = new RegistryServer();
        var token = await server.CreateTokenAsync("dora");
        var registryToken = (string)JsonNode.Parse(await Basic(server, "dora", token).GetStringAsync("v2/token?scope=repository:dora/c/n:push"))!["token"]!;
        var tokens = server.Services.GetRequiredService<RegistryTokens>();
        server.Clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(50));
        Assert.False(tokens.Read(registryToken)!.Expired);
        Assert.False((await OciCallerTests.BindAsync(server, "Bearer " + registryToken)).PresentedBadCredentials);
        server.Clock.Advance(TimeSpan.FromSeconds(15));
        Assert.True(tokens.Read(registryToken)!.Expired);
        var caller = await OciCallerTests.BindAsync(server, "Bearer " + registryToken);
        Assert.True(caller.PresentedBadCredentials);
        Assert.False(caller.Principal.IsAuthenticated);
    }
}
