using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Accounts;
using SRegistry.Core.Admin;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Accounts;

/// <summary>
/// Admin through the provider's group lasts <c>Registry:GroupClaimsLifetime</c> after the last OIDC sign-in; then the
/// user's tokens keep working with the rights set here only, until a sign-in brings fresh groups.
/// </summary>
public sealed class GroupClaimsLifetimeTests : IAsyncLifetime
{
    private const string Issuer = "https://idp.example.org";
    private const string AdminGroup = "hpc-admins";
    private readonly RegistryServer server = new RegistryServer().With("Registry:AdminGroup", AdminGroup);

    public async ValueTask InitializeAsync() => await PrepareAsync(server);

    private static async Task PrepareAsync(RegistryServer registry)
    {
        using var owner = registry.Client(await registry.CreateTokenAsync("owner"));
        await PrivateCollectionProbe.CreateAsync(owner);
        await registry.MakeCollectionPrivateAsync("secret");
    }

    private static Task<ExternalSignIn> SignInAsync(RegistryServer registry, string username, params string[] groups) =>
        registry.InScopeAsync(sp => sp.GetRequiredService<ExternalAccounts>()
            .SignInAsync(new ProviderIdentity(Issuer, "sub-" + username, username, username, $"{username}@hpc.test", true, groups)));

    private static async Task<HttpClient> SignedInClientAsync(RegistryServer registry, string username, params string[] groups)
    {
        var user = (await SignInAsync(registry, username, groups)).User!;
        var token = await registry.InScopeAsync(sp => sp.GetRequiredService<TokenService>().IssueAsync(user.Id, "laptop", null));
        return registry.Client(token.Secret);
    }

    [Fact]
    public async Task A_group_admins_token_loses_admin_once_the_groups_are_older_than_the_lifetime_and_keeps_working_as_the_user()
    {
        using var gina = await SignedInClientAsync(server, "gina", "astro", AdminGroup);
        Assert.True(await PrivateCollectionProbe.SeesItAsync(gina));

        server.Clock.Advance(TimeSpan.FromHours(12) - TimeSpan.FromMinutes(1));
        Assert.True(await PrivateCollectionProbe.SeesItAsync(gina));

        server.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await PrivateCollectionProbe.SeesItAsync(gina));
        using var status = await gina.GetAsync("v1/token-status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("\"gina\"", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_sign_in_in_the_group_restores_admin_and_one_out_of_it_ends_admin_at_once()
    {
        using var gina = await SignedInClientAsync(server, "gina", AdminGroup);
        server.Clock.Advance(TimeSpan.FromHours(13));
        Assert.False(await PrivateCollectionProbe.SeesItAsync(gina));

        await SignInAsync(server, "gina", AdminGroup);
        Assert.True(await PrivateCollectionProbe.SeesItAsync(gina));

        server.Clock.Advance(TimeSpan.FromHours(1));
        await SignInAsync(server, "gina", "astro");
        Assert.False(await PrivateCollectionProbe.SeesItAsync(gina));
    }

    [Fact]
    public async Task An_admin_made_here_stays_admin_after_the_groups_expire()
    {
        using var gina = await SignedInClientAsync(server, "gina", AdminGroup);
        // What `token create --user gina --admin` does to an existing account.
        await server.InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("gina", makeAdmin: true));

        server.Clock.Advance(TimeSpan.FromDays(3));

        Assert.True(await PrivateCollectionProbe.SeesItAsync(gina));
    }

    [Fact]
    public async Task The_lifetime_is_the_one_configured()
    {
        await using var shortLived = new RegistryServer().With("Registry:AdminGroup", AdminGroup).With("Registry:GroupClaimsLifetime", "00:30:00");
        await PrepareAsync(shortLived);
        using var gina = await SignedInClientAsync(shortLived, "gina", AdminGroup);
        shortLived.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.True(await PrivateCollectionProbe.SeesItAsync(gina));

        shortLived.Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.False(await PrivateCollectionProbe.SeesItAsync(gina));
    }

    [Fact]
    public async Task The_admin_area_shows_group_admin_and_refuses_to_demote_it_only_while_the_groups_hold()
    {
        var gina = (await SignInAsync(server, "gina", AdminGroup)).User!;
        await server.CreateTokenAsync("ada", admin: true);
        Task<UserSummary> GinaAsync() => server.InScopeAsync(async sp =>
        {
            var ada = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(await AdaIdAsync(sp));
            return (await sp.GetRequiredService<UserAdministration>().UsersAsync(ada, "gina")).Value!.Items.Single();
        });
        Task<Outcome<bool>> PromoteAsync(bool admin) => server.InScopeAsync(async sp =>
        {
            var ada = await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(await AdaIdAsync(sp));
            return await sp.GetRequiredService<UserAdministration>().SetAdminAsync(ada, gina.Id, admin);
        });

        Assert.True((await GinaAsync()).AdminViaGroup);
        var refused = await PromoteAsync(false);
        Assert.Equal(Failure.Conflict, refused.Failure);
        Assert.Contains($"group '{AdminGroup}'", refused.Message, StringComparison.Ordinal);

        server.Clock.Advance(TimeSpan.FromHours(13));

        Assert.False((await GinaAsync()).AdminViaGroup);
        Assert.True((await PromoteAsync(false)).Succeeded);
    }

    private static Task<string> AdaIdAsync(IServiceProvider sp) =>
        sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == "ada").Select(u => u.Id).SingleAsync();

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
