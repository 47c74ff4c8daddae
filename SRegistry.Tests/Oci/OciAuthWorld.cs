using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Tests.Oci;

/// <summary>
/// A registry with the OCI redirect and registry URI advertised, and: olive's public collection "open" (containers
/// "img" and the frozen "cold") and private "secret" (container "img"), both assigned to the team "crew" (member mel);
/// rita reads both; sam is a stranger; ada an admin. Made through the services, so no SIF tool is needed.
/// </summary>
public sealed class OciAuthWorld : RegistryServer, IAsyncLifetime
{
    public Dictionary<string, string> Tokens { get; } = [];

    public OciAuthWorld()
    {
        With("Registry:Oci:AdvertiseToLibraryClients", "true");
        With("Registry:Oci:AdvertiseRegistryUri", "true");
        // The matrix sends bad credentials on purpose, far more than the brake's default.
        With("Registry:FailedTokenLimit", "100000");
    }

    public async ValueTask InitializeAsync()
    {
        foreach (var name in new[] { "olive", "mel", "rita", "sam" })
        {
            Tokens[name] = await CreateTokenAsync(name);
        }
        Tokens["ada"] = await CreateTokenAsync("ada", admin: true);
        var users = await InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.ToDictionaryAsync(u => u.Username, u => u.Id));
        // One scope per step: the services track what they load, and one context must not see two copies of a row.
        var crewId = await InScopeAsync(async sp =>
        {
            var olive = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(users["olive"]);
            return (await sp.GetRequiredService<TeamService>().CreateAsync(olive, new NewTeam { Name = "crew", DisplayName = "Crew" })).Value!.Id;
        });
        foreach (var (name, isPrivate) in new[] { ("open", false), ("secret", true) })
        {
            var collectionId = await InScopeAsync(async sp =>
            {
                var olive = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(users["olive"]);
                return (await sp.GetRequiredService<LibraryCollections>().CreateCollectionAsync(olive, null, name, "", isPrivate, fromPush: false)).Value!.Collection.Id;
            });
            foreach (var container in isPrivate ? new[] { "img" } : ["img", "cold"])
            {
                await InScopeAsync(async sp =>
                {
                    var olive = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(users["olive"]);
                    return (await sp.GetRequiredService<LibraryContainers>().CreateContainerAsync(olive, collectionId, container, "")).Value!;
                });
            }
            await InScopeAsync(async sp =>
            {
                var db = sp.GetRequiredService<RegistryDbContext>();
                db.CollectionTeams.Add(new CollectionTeam { CollectionId = collectionId, TeamId = crewId });
                db.CollectionReaders.Add(new CollectionReader { CollectionId = collectionId, UserId = users["rita"] });
                return await db.SaveChangesAsync();
            });
        }
        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            db.TeamMembers.Add(new TeamMember { TeamId = crewId, UserId = users["mel"], Role = TeamRole.Member });
            await db.SaveChangesAsync();
            return await db.Containers.Where(c => c.Name == "cold").ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReadOnly, true));
        });
    }

    /// <summary>An HTTP client sending <c>Authorization: Basic username:password</c>.</summary>
    public HttpClient BasicClient(string username, string password)
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        return client;
    }

    /// <summary><c>GET /v2/token</c> with these scopes; the parsed body of a 200.</summary>
    public static async Task<JsonObject> TokenAsync(HttpClient client, params string[] scopes)
    {
        var query = string.Join("&", scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        var response = await client.GetAsync("v2/token?service=sregistry&" + query);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>The scopes a registry token holds, read the way the OCI side reads it.</summary>
    public RegistryTokenClaims Claims(string token) => Services.GetRequiredService<RegistryTokens>().Read(token)!;

    /// <summary>The granted <c>repository:action</c> entries of a <c>/v2/token</c> answer, sorted.</summary>
    public async Task<string[]> GrantedAsync(HttpClient client, params string[] scopes)
    {
        var body = await TokenAsync(client, scopes);
        return [.. Claims((string)body["token"]!).Scopes.Order(StringComparer.Ordinal)];
    }
}
