using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Tests.Oci;

/// <summary>
/// How an OCI request's credentials become an <see cref="OciCaller"/> (docs/protocol/oci.md#auth), and the challenge
/// that asks for them.
/// </summary>
public sealed class OciCallerTests(OciAuthWorld world) : IClassFixture<OciAuthWorld>
{
    /// <summary>Binds an <see cref="OciCaller"/> as the app would for a request with this Authorization header (null: none).</summary>
    public static async Task<OciCaller> BindAsync(RegistryServer server, string? authorization)
    {
        using var scope = server.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Request.Path = "/v2/olive/open/img/manifests/latest";
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }
        var authenticated = await context.AuthenticateAsync();
        if (authenticated.Succeeded)
        {
            context.User = authenticated.Principal!;
        }
        return (await OciCaller.BindAsync(context))!;
    }

    private static string Basic(string username, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));

    [Fact]
    public async Task A_registry_token_names_its_user_and_caps_them_to_its_scopes()
    {
        var body = await OciAuthWorld.TokenAsync(world.BasicClient("olive", world.Tokens["olive"]), "repository:olive/open/img:pull");
        var caller = await BindAsync(world, "Bearer " + (string)body["token"]!);
        Assert.Equal("olive", caller.Principal.Username);
        Assert.False(caller.PresentedBadCredentials);
        Assert.True(caller.Holds("olive/open/img", "pull"));
        Assert.False(caller.Holds("olive/open/img", "push"));
        Assert.False(caller.Holds("olive/secret/img", "pull"));
    }

    [Fact]
    public async Task An_anonymous_registry_token_is_anonymous_with_its_scopes()
    {
        var body = await OciAuthWorld.TokenAsync(world.Client(), "repository:olive/open/img:pull");
        var caller = await BindAsync(world, "Bearer " + (string)body["token"]!);
        Assert.False(caller.Principal.IsAuthenticated);
        Assert.False(caller.PresentedBadCredentials);
        Assert.True(caller.Holds("olive/open/img", "pull"));
    }

    [Fact]
    public async Task Api_tokens_as_bearer_or_basic_name_the_user_without_a_cap()
    {
        foreach (var header in new[] { "Bearer " + world.Tokens["mel"], "BEARER " + world.Tokens["mel"], Basic("mel", world.Tokens["mel"]) })
        {
            var caller = await BindAsync(world, header);
            Assert.Equal("mel", caller.Principal.Username);
            Assert.Null(caller.GrantedScopes);
            Assert.True(caller.Holds("olive/secret/img", "push"));
            Assert.False(caller.PresentedBadCredentials);
        }
    }

    [Fact]
    public async Task No_credentials_or_authorization_none_are_anonymous_and_bad_ones_are_marked()
    {
        foreach (var header in new[] { null, "none" })
        {
            var caller = await BindAsync(world, header);
            Assert.False(caller.Principal.IsAuthenticated);
            Assert.False(caller.PresentedBadCredentials);
        }
        foreach (var header in new[] { "Bearer sreg_wrong", Basic("mel", "sreg_wrong"), Basic("sam", world.Tokens["mel"]), "Bearer " + RegistryTokens.Prefix + "forged" })
        {
            var caller = await BindAsync(world, header);
            Assert.False(caller.Principal.IsAuthenticated);
            Assert.True(caller.PresentedBadCredentials);
        }
    }

    [Fact]
    public async Task The_challenge_names_the_token_realm_the_host_and_the_scope()
    {
        var (header, status) = await ChallengeAsync(world, "olive/open/img", "pull,push");
        var host = new Uri(world.BaseUrl).Authority;
        Assert.Equal(401, status);
        Assert.Equal($"Bearer realm=\"{world.BaseUrl}/v2/token\",service=\"{host}\",scope=\"repository:olive/open/img:pull,push\"", header);
        Assert.Equal($"Bearer realm=\"{world.BaseUrl}/v2/token\",service=\"{host}\"", (await ChallengeAsync(world, null, "")).Header);
    }

    [Fact]
    public async Task Behind_a_configured_public_url_the_challenge_uses_it()
    {
        await using var server = new RegistryServer().With("Registry:PublicBaseUrl", "https://registry.example.org/sreg/");
        var (header, _) = await ChallengeAsync(server, "olive/open/img", "pull");
        Assert.Equal("Bearer realm=\"https://registry.example.org/sreg/v2/token\",service=\"registry.example.org\",scope=\"repository:olive/open/img:pull\"", header);
        await using var withPort = new RegistryServer().With("Registry:PublicBaseUrl", "https://registry.example.org:8443");
        Assert.Equal("Bearer realm=\"https://registry.example.org:8443/v2/token\",service=\"registry.example.org:8443\"", (await ChallengeAsync(withPort, null, "")).Header);
    }

    private static async Task<(string Header, int Status)> ChallengeAsync(RegistryServer server, string? repository, string actions)
    {
        using var scope = server.Services.CreateScope();
        var uri = new Uri(server.BaseUrl);
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Scheme = uri.Scheme;
        context.Request.Host = new HostString(uri.Authority);
        context.Response.Body = new MemoryStream();
        await OciChallenge.For(context, repository, actions).ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var body = JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!;
        Assert.Equal("UNAUTHORIZED", (string)body["errors"]![0]!["code"]!);
        return (context.Response.Headers.WWWAuthenticate.ToString(), context.Response.StatusCode);
    }
}
