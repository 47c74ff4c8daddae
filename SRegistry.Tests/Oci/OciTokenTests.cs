using System.Net;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>
/// <c>GET /v2/token</c> (docs/protocol/oci.md#auth): Basic <c>username:apitoken</c> or nobody, in exchange for a
/// registry token holding exactly the requested actions the access policy allows.
/// </summary>
public sealed class OciTokenTests(OciAuthWorld world) : IClassFixture<OciAuthWorld>
{
    private const string All = "pull,push,delete";

    private HttpClient As(string user) => world.BasicClient(user, world.Tokens[user]);

    [Fact]
    public async Task Anonymous_callers_get_pull_on_a_public_repository_and_nothing_on_a_private_one()
    {
        Assert.Equal(["olive/open/img:pull"], await world.GrantedAsync(world.Client(), $"repository:olive/open/img:{All}"));
        Assert.Empty(await world.GrantedAsync(world.Client(), $"repository:olive/secret/img:{All}"));
    }

    [Fact]
    public async Task The_answer_carries_token_access_token_expires_in_and_issued_at()
    {
        var body = await OciAuthWorld.TokenAsync(As("olive"), "repository:olive/open/img:pull");
        Assert.Equal(["access_token", "expires_in", "issued_at", "token"], body.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal((string)body["token"]!, (string)body["access_token"]!);
        Assert.Equal(300, (int)body["expires_in"]!);
        var issued = DateTimeOffset.Parse((string)body["issued_at"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(issued, world.Clock.GetUtcNow().AddMinutes(-1), world.Clock.GetUtcNow().AddSeconds(1));
        Assert.EndsWith("Z", (string)body["issued_at"]!, StringComparison.Ordinal);
        Assert.StartsWith("application/json", (await As("olive").GetAsync("v2/token")).Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_owner_gets_pull_push_and_delete_and_the_token_names_them()
    {
        Assert.Equal(["olive/secret/img:delete", "olive/secret/img:pull", "olive/secret/img:push"],
            await world.GrantedAsync(As("olive"), $"repository:olive/secret/img:{All}"));
        // A container that does not exist yet: the first push makes it.
        Assert.Equal(["olive/open/new:delete", "olive/open/new:pull", "olive/open/new:push"],
            await world.GrantedAsync(As("olive"), $"repository:olive/open/new:{All}"));
        var body = await OciAuthWorld.TokenAsync(As("olive"), "repository:olive/open/img:pull");
        var claims = world.Claims((string)body["token"]!);
        Assert.NotNull(claims.UserId);
        Assert.False(claims.Expired);
    }

    [Fact]
    public async Task Only_what_was_asked_for_is_granted()
    {
        Assert.Equal(["olive/open/img:pull"], await world.GrantedAsync(As("olive"), "repository:olive/open/img:pull"));
        Assert.Equal(["olive/open/img:delete", "olive/open/img:pull", "olive/open/img:push"],
            await world.GrantedAsync(As("olive"), "repository:olive/open/img:*"));
        // Several scopes, repeated or space-separated in one parameter.
        Assert.Equal(["olive/open/img:pull", "olive/secret/img:push"],
            await world.GrantedAsync(As("olive"), "repository:olive/open/img:pull repository:olive/secret/img:push"));
    }

    [Fact]
    public async Task A_team_member_may_push_and_delete_a_reader_only_pull()
    {
        Assert.Equal(["olive/secret/img:delete", "olive/secret/img:pull", "olive/secret/img:push"],
            await world.GrantedAsync(As("mel"), $"repository:olive/secret/img:{All}"));
        // The team's name is a namespace of the collections assigned to it, as in the library.
        Assert.Equal(["crew/secret/img:pull", "crew/secret/img:push"], await world.GrantedAsync(As("mel"), "repository:crew/secret/img:pull,push"));
        Assert.Equal(["olive/secret/img:pull"], await world.GrantedAsync(As("rita"), $"repository:olive/secret/img:{All}"));
    }

    [Fact]
    public async Task Another_user_gets_nothing_on_a_private_repository_and_pull_on_a_public_one()
    {
        Assert.Empty(await world.GrantedAsync(As("sam"), $"repository:olive/secret/img:{All}"));
        Assert.Empty(await world.GrantedAsync(As("sam"), $"repository:olive/secret/new:{All}"));
        Assert.Equal(["olive/open/img:pull"], await world.GrantedAsync(As("sam"), $"repository:olive/open/img:{All}"));
        // Their own name does not reach a stranger's collection (library://me/… never pulls someone else's).
        Assert.Empty(await world.GrantedAsync(As("sam"), $"repository:sam/open/img:{All}"));
    }

    [Fact]
    public async Task A_new_collection_is_granted_in_ones_own_or_teams_namespace_only()
    {
        Assert.Equal(["sam/fresh/x:delete", "sam/fresh/x:pull", "sam/fresh/x:push"], await world.GrantedAsync(As("sam"), $"repository:sam/fresh/x:{All}"));
        Assert.Empty(await world.GrantedAsync(As("sam"), $"repository:olive/fresh/x:{All}"));
        Assert.Empty(await world.GrantedAsync(As("sam"), $"repository:crew/fresh/x:{All}"));
        Assert.Equal(["crew/fresh/x:push"], await world.GrantedAsync(As("mel"), "repository:crew/fresh/x:push"));
        Assert.Empty(await world.GrantedAsync(world.Client(), $"repository:sam/fresh/x:{All}"));
        // The default collection (one-segment library references) is the administrators'.
        Assert.Empty(await world.GrantedAsync(As("sam"), "repository:sam/library/x:push"));
    }

    [Fact]
    public async Task A_frozen_container_keeps_push_and_delete_from_everyone_but_admins()
    {
        Assert.Equal(["olive/open/cold:pull"], await world.GrantedAsync(As("olive"), $"repository:olive/open/cold:{All}"));
        Assert.Equal(["olive/open/cold:delete", "olive/open/cold:pull", "olive/open/cold:push"],
            await world.GrantedAsync(As("ada"), $"repository:olive/open/cold:{All}"));
    }

    [Theory]
    [InlineData("repository:olive/open:pull")]
    [InlineData("repository:olive/open/img/extra:pull")]
    [InlineData("repository:olive//img:pull")]
    [InlineData("repository:Olive/open/img:pull")]
    [InlineData("repository:olive/open/img:tag:pull")]
    [InlineData("repository:olive/open/img:fly")]
    [InlineData("registry:catalog:*")]
    [InlineData("repository:olive/open/img")]
    [InlineData("garbage")]
    public async Task Malformed_or_unknown_scopes_are_not_granted_but_the_token_is_issued(string scope)
    {
        Assert.Empty(await world.GrantedAsync(As("olive"), scope));
        Assert.Equal(["olive/open/img:pull"], await world.GrantedAsync(As("olive"), scope, "repository:olive/open/img:pull"));
    }

    [Fact]
    public async Task A_bad_password_or_another_users_token_is_401_with_the_oci_error_body()
    {
        foreach (var client in new[] { world.BasicClient("olive", "sreg_wrong"), world.BasicClient("sam", world.Tokens["olive"]),
                     world.BasicClient("olive", ""), world.Client() })
        {
            if (client.DefaultRequestHeaders.Authorization is null)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic not*base64");
            }
            var response = await client.GetAsync("v2/token?scope=repository:olive/open/img:pull");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![0]!;
            Assert.Equal("UNAUTHORIZED", (string)error["code"]!);
        }
    }

    [Fact]
    public async Task A_bearer_api_token_works_and_a_registry_token_buys_no_other()
    {
        var viaBearer = await OciAuthWorld.TokenAsync(world.Client(world.Tokens["olive"]), "repository:olive/secret/img:push");
        Assert.Equal(["olive/secret/img:push"], world.Claims((string)viaBearer["token"]!).Scopes);
        var response = await world.Client((string)viaBearer["token"]!).GetAsync("v2/token?scope=repository:olive/secret/img:delete");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Authorization_none_is_anonymous()
    {
        var client = world.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "none");
        Assert.Equal(["olive/open/img:pull"], await world.GrantedAsync(client, $"repository:olive/open/img:{All}"));
    }
}
