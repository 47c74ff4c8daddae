using System.Net;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// What the library clients are told about the OCI side (docs/protocol/oci.md#redirect-probe, #oci-sif): the
/// redirect probe, the user's registry secret and the discovery document's registry URI.
/// </summary>
public sealed class OciRedirectTests(OciAuthWorld world) : IClassFixture<OciAuthWorld>
{
    private static string Probe(string reference, string accessTypes, bool mapped = true) =>
        $"v1/oci-redirect?namespace={Uri.EscapeDataString(reference)}&accessTypes={accessTypes}" + (mapped ? "&mapped=1" : "");

    private async Task<JsonObject> RedirectAsync(string? token, string reference, string accessTypes)
    {
        var response = await world.Client(token).GetAsync(Probe(reference, accessTypes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task Off_by_default_the_probe_is_a_404_and_the_discovery_document_has_no_registry_uri()
    {
        await using var server = new RegistryServer();
        var token = await server.CreateTokenAsync("olive");
        await LibraryProtocol.ErrorAsync(await server.Client(token).GetAsync(Probe("olive/open/img", "pull")), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync(Probe("olive/open/img", "pull")), HttpStatusCode.NotFound);
        var config = JsonNode.Parse(await server.Client().GetStringAsync("assets/config/config.prod.json"))!;
        Assert.Null(config["libraryAPI"]!["registryUri"]);
        Assert.Equal(["uri"], config["libraryAPI"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task On_a_pull_is_answered_with_a_bare_token_url_and_name()
    {
        var body = await RedirectAsync(world.Tokens["olive"], "olive/secret/img", "pull");
        Assert.Equal(["name", "token", "url"], body.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(world.BaseUrl, (string)body["url"]!);
        Assert.Equal("olive/secret/img", (string)body["name"]!);
        var claims = world.Claims((string)body["token"]!);
        Assert.Equal(["olive/secret/img:pull"], claims.Scopes);
        Assert.NotNull(claims.UserId);
    }

    [Fact]
    public async Task On_a_push_the_token_holds_pull_and_push()
    {
        var body = await RedirectAsync(world.Tokens["mel"], "olive/secret/img", "pull,push");
        Assert.Equal("olive/secret/img", (string)body["name"]!);
        Assert.Equal(["olive/secret/img:pull", "olive/secret/img:push"], world.Claims((string)body["token"]!).Scopes.Order(StringComparer.Ordinal));
        // A push into a new collection of one's own, as the library push would create it.
        Assert.Equal("sam/brandnew/x", (string)(await RedirectAsync(world.Tokens["sam"], "sam/brandnew/x", "pull,push"))["name"]!);
    }

    [Fact]
    public async Task Mapped_short_references_are_expanded_to_the_full_repository_name()
    {
        Assert.Equal("olive/open/img", (string)(await RedirectAsync(null, "open/img", "pull"))["name"]!);
        Assert.Equal("olive/secret/img", (string)(await RedirectAsync(world.Tokens["rita"], "secret/img", "pull"))["name"]!);
        // Without mapped=1 the name must be given in full.
        await LibraryProtocol.ErrorAsync(await world.Client().GetAsync(Probe("open/img", "pull", mapped: false)), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await world.Client().GetAsync(Probe("olive/open/img", "pull", mapped: false))).StatusCode);
    }

    [Fact]
    public async Task Anonymous_pull_of_a_public_repository_gets_an_anonymous_token()
    {
        var body = await RedirectAsync(null, "olive/open/img", "pull");
        var claims = world.Claims((string)body["token"]!);
        Assert.Null(claims.UserId);
        Assert.Equal(["olive/open/img:pull"], claims.Scopes);
    }

    [Theory]
    [InlineData(null, "olive/secret/img", "pull")]
    [InlineData(null, "olive/open/img", "pull,push")]
    [InlineData("sam", "olive/secret/img", "pull")]
    [InlineData("sam", "secret/img", "pull")]
    [InlineData("sam", "olive/open/img", "pull,push")]
    [InlineData("rita", "olive/secret/img", "pull,push")]
    [InlineData("olive", "olive/open/cold", "pull,push")]
    [InlineData("olive", "olive/open/img", "pull,fly")]
    [InlineData("olive", "olive/open/img:latest", "pull")]
    [InlineData("olive", "a/b/c/d", "pull")]
    [InlineData(null, "nobody/nothing/here", "pull")]
    public async Task Anything_the_caller_may_not_do_keeps_them_on_the_library_flow(string? user, string reference, string accessTypes)
    {
        var token = user is null ? null : world.Tokens[user];
        await LibraryProtocol.ErrorAsync(await world.Client(token).GetAsync(Probe(reference, accessTypes)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_bad_token_is_401_on_the_probe()
    {
        await LibraryProtocol.ErrorAsync(await world.Client("sreg_wrong").GetAsync(Probe("olive/open/img", "pull")), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_users_secret_logs_in_at_the_token_endpoint_with_their_username()
    {
        var me = JsonNode.Parse(await world.Client(world.Tokens["mel"]).GetStringAsync("v1/rbac/users/current"))!;
        var secret = (string)me["oidc_user_meta"]!["secret"]!;
        Assert.False(string.IsNullOrEmpty(secret));
        var granted = await world.GrantedAsync(world.BasicClient((string)me["username"]!, secret), "repository:olive/secret/img:pull,push");
        Assert.Equal(["olive/secret/img:pull", "olive/secret/img:push"], granted);
    }

    [Fact]
    public async Task On_the_discovery_document_names_the_public_url_as_the_registry()
    {
        foreach (var path in new[] { "assets/config/config.prod.json", "assets/config/config.json" })
        {
            var config = JsonNode.Parse(await world.Client().GetStringAsync(path))!;
            Assert.Equal(world.BaseUrl, (string)config["libraryAPI"]!["registryUri"]!);
            Assert.Equal(world.BaseUrl, (string)config["libraryAPI"]!["uri"]!);
            Assert.Null(config["keystoreAPI"]!["registryUri"]);
        }
    }
}
