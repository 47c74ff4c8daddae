using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SRegistry.Tests.Oci;

/// <summary>
/// The token dance as OCI clients do it against the registry's own endpoints (docs/protocol/oci.md#auth): a request
/// without credentials gets the challenge, the client takes realm, service and scope from it to <c>/v2/token</c>, and
/// comes back with the registry token, which reaches exactly what it was granted.
/// </summary>
public sealed partial class OciAuthFlowTests(OciAuthWorld world) : IClassFixture<OciAuthWorld>
{
    private static OciProtocol WithToken(OciAuthWorld world, string token)
    {
        var client = world.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new OciProtocol(client);
    }

    /// <summary>Follows a 401's challenge to the token service with these credentials, as docker and containers/image do.</summary>
    private static async Task<string> TokenForChallengeAsync(HttpResponseMessage challenged, HttpClient tokenClient)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, challenged.StatusCode);
        var header = challenged.Headers.WwwAuthenticate.ToString();
        var parameters = ChallengeParameter().Matches(header).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var url = $"{parameters["realm"]}?service={Uri.EscapeDataString(parameters["service"])}&scope={Uri.EscapeDataString(parameters["scope"])}";
        var answer = await tokenClient.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (string)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["token"]!;
    }

    [Fact]
    public async Task A_private_pull_is_challenged_then_works_with_the_token_from_the_realm()
    {
        var anonymous = new OciProtocol(world.Client());
        var challenged = await anonymous.GetManifestAsync("olive/secret/img", "latest", OciProtocol.IndexType);
        Assert.Equal("UNAUTHORIZED", (string)JsonNode.Parse(await challenged.Content.ReadAsStringAsync())!["errors"]![0]!["code"]!);
        var token = await TokenForChallengeAsync(challenged, world.BasicClient("rita", world.Tokens["rita"]));

        var again = await WithToken(world, token).GetManifestAsync("olive/secret/img", "latest", OciProtocol.IndexType);
        // Past the gate: the repository has no such tag yet.
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", (string)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["errors"]![0]!["code"]!);
    }

    [Fact]
    public async Task A_pull_token_cannot_push_and_the_push_challenge_asks_for_pull_and_push()
    {
        var pullOnly = (string)(await OciAuthWorld.TokenAsync(world.BasicClient("olive", world.Tokens["olive"]), "repository:olive/open/img:pull"))["token"]!;
        var refused = await WithToken(world, pullOnly).Http.PostAsync("v2/olive/open/img/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("scope=\"repository:olive/open/img:pull,push\"", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        var pushToken = await TokenForChallengeAsync(refused, world.BasicClient("olive", world.Tokens["olive"]));
        var pushed = await WithToken(world, pushToken).PushBlobAsync("olive/open/img", Encoding.UTF8.GetBytes("olive's blob"));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
    }

    [Fact]
    public async Task A_push_into_a_new_collection_of_ones_own_is_granted_and_creates_it()
    {
        var challenged = await new OciProtocol(world.Client()).Http.PostAsync("v2/sam/samstuff/tool/blobs/uploads/", null);
        var token = await TokenForChallengeAsync(challenged, world.BasicClient("sam", world.Tokens["sam"]));
        var pushed = await WithToken(world, token).PushBlobAsync("sam/samstuff/tool", Encoding.UTF8.GetBytes("sam's blob"));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
    }

    [Fact]
    public async Task A_token_for_one_repository_does_not_reach_another()
    {
        var token = (string)(await OciAuthWorld.TokenAsync(world.BasicClient("olive", world.Tokens["olive"]), "repository:olive/open/img:pull,push"))["token"]!;
        var other = await WithToken(world, token).GetManifestAsync("olive/secret/img", "latest", OciProtocol.IndexType);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Contains("scope=\"repository:olive/secret/img:pull\"", other.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_redirect_token_pushes_as_the_library_client_would()
    {
        var redirect = JsonNode.Parse(await world.Client(world.Tokens["mel"]).GetStringAsync(
            "v1/oci-redirect?namespace=olive/secret/img&accessTypes=pull,push&mapped=1"))!;
        var client = new HttpClient { BaseAddress = new Uri((string)redirect["url"]! + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)redirect["token"]!);
        var pushed = await new OciProtocol(client).PushBlobAsync((string)redirect["name"]!, Encoding.UTF8.GetBytes("mel's blob"));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
    }

    [GeneratedRegex("(\\w+)=\"([^\"]*)\"")]
    private static partial Regex ChallengeParameter();
}
