using System.Net;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

public sealed class DiscoveryApiTests(RegistryServer server) : IClassFixture<RegistryServer>
{
    [Fact]
    public async Task Config_lists_library_keystore_and_token_services_without_trailing_slash()
    {
        foreach (var path in new[] { "assets/config/config.prod.json", "assets/config/config.json" })
        {
            var doc = JsonNode.Parse(await server.Client().GetStringAsync(path))!.AsObject();
            foreach (var service in new[] { "libraryAPI", "keystoreAPI", "tokenAPI" })
            {
                var uri = (string)doc[service]!["uri"]!;
                Assert.Equal(server.BaseUrl, uri);
            }
            Assert.All(doc, pair => Assert.IsType<JsonObject>(pair.Value));
        }
    }

    [Fact]
    public async Task Version_enables_v2_uploads_and_arch_tags_even_with_a_bad_token()
    {
        var version = await LibraryProtocol.DataAsync(await server.Client("not-a-real-token").GetAsync("version"));
        Assert.Equal("2.0.0-alpha.2", (string)version["apiVersion"]!);
        Assert.False(string.IsNullOrEmpty((string)version["version"]!));
    }

    [Fact]
    public async Task Token_status_is_200_for_a_valid_token_and_404_otherwise()
    {
        var token = await server.CreateTokenAsync("tess");
        Assert.Equal(HttpStatusCode.OK, (await server.Client(token).GetAsync("v1/token-status")).StatusCode);
        await LibraryProtocol.ErrorAsync(await server.Client("sreg_wrong").GetAsync("v1/token-status"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/token-status"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bearer_scheme_is_case_insensitive()
    {
        var token = await server.CreateTokenAsync("casey");
        foreach (var scheme in new[] { "BEARER", "Bearer", "bearer" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/token-status");
            request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {token}");
            Assert.Equal(HttpStatusCode.OK, (await server.Client().SendAsync(request)).StatusCode);
        }
    }

    [Fact]
    public async Task Current_user_is_a_bare_object_and_401_without_token()
    {
        var token = await server.CreateTokenAsync("uma");
        var me = JsonNode.Parse(await server.Client(token).GetStringAsync("v1/rbac/users/current"))!;
        Assert.Equal("uma", (string)me["username"]!);
        Assert.Null(me["data"]);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/rbac/users/current"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Oci_redirect_and_unknown_api_paths_are_json_404s()
    {
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/oci-redirect?namespace=a/b/c&accessTypes=pull"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v1/no-such-thing"), HttpStatusCode.NotFound);
        await LibraryProtocol.ErrorAsync(await server.Client().GetAsync("v2/nothing/here"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wrong_method_gets_the_error_envelope()
    {
        await LibraryProtocol.ErrorAsync(await server.Client().PutAsync("version", null), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Health_endpoint_reports_healthy()
    {
        var response = await server.Client().GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
