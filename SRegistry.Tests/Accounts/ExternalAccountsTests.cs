using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Accounts;

/// <summary>
/// OIDC accounts are keyed by issuer + subject. A sign-in never lands in an account another identity owns, and takes
/// over a local account of its username only with <c>Registry:LinkLocalAccountsByUsername=true</c>.
/// </summary>
public sealed class ExternalAccountsTests : IAsyncDisposable
{
    private const string Issuer = "https://idp.example.org";
    private const string OtherIssuer = "https://other-idp.example.org";
    private readonly RegistryServer server = new();
    private readonly RegistryServer linking = new RegistryServer().With("Registry:LinkLocalAccountsByUsername", "true");

    private static ProviderIdentity Identity(string subject, string username, string issuer = Issuer, params string[] groups) =>
        new(issuer, subject, username, $"Name of {username}", $"{username}@hpc.test", true, groups);

    private static Task<ExternalSignIn> SignInAsync(RegistryServer registry, ProviderIdentity who) =>
        registry.InScopeAsync(sp => sp.GetRequiredService<ExternalAccounts>().SignInAsync(who));

    private static Task<List<User>> UsersAsync(RegistryServer registry) =>
        registry.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.AsNoTracking().OrderBy(u => u.Username).ToListAsync());

    private static Task<bool> IsAdminAsync(RegistryServer registry, string userId) =>
        registry.InScopeAsync(async sp => (await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(userId)).IsAdmin);

    [Fact]
    public async Task The_first_sign_in_creates_an_account_keyed_by_issuer_and_subject()
    {
        var signIn = await SignInAsync(server, Identity("s-1", "alice"));

        Assert.Equal(UsernameClash.None, signIn.Clash);
        var alice = Assert.Single(await UsersAsync(server));
        Assert.Equal(("alice", Issuer, "s-1", "Name of alice", "alice@hpc.test"),
            (alice.Username, alice.ExternalIssuer, alice.ExternalSubject, alice.DisplayName, alice.Email));
        Assert.Equal(server.Clock.GetUtcNow().UtcDateTime, alice.GroupsCheckedAt!.Value.UtcDateTime, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Each_sign_in_records_whether_the_provider_said_the_email_is_verified()
    {
        await SignInAsync(server, Identity("s-1", "alice"));
        var verified = Assert.Single(await UsersAsync(server)).EmailVerified;

        await SignInAsync(server, Identity("s-1", "alice") with { Email = "alice@elsewhere.test", EmailVerified = false });
        var changed = Assert.Single(await UsersAsync(server));
        await SignInAsync(server, Identity("s-1", "alice") with { Email = "", EmailVerified = true });
        var empty = Assert.Single(await UsersAsync(server));

        Assert.True(verified);
        // A new, unverified address replaces the verified one and is not vouched for; no address is never verified.
        Assert.Equal(("alice@elsewhere.test", false), (changed.Email, changed.EmailVerified));
        Assert.Equal(("", false), (empty.Email, empty.EmailVerified));
    }

    [Fact]
    public async Task A_later_sign_in_finds_the_account_by_subject_even_when_the_provider_renamed_the_user()
    {
        var first = (await SignInAsync(server, Identity("s-1", "alice"))).User!;

        var again = await SignInAsync(server, Identity("s-1", "alice-smith"));

        Assert.Equal(first.Id, again.User!.Id);
        // The username names the account's namespace: it stays what it was.
        Assert.Equal("alice", Assert.Single(await UsersAsync(server)).Username);
    }

    [Fact]
    public async Task A_new_subject_with_a_taken_username_is_refused_and_changes_nothing()
    {
        var alice = (await SignInAsync(server, Identity("s-1", "alice"))).User!;

        var intruder = await SignInAsync(server, Identity("s-2", "alice"));

        Assert.Null(intruder.User);
        Assert.Equal(UsernameClash.OtherIdentity, intruder.Clash);
        var stored = Assert.Single(await UsersAsync(server));
        Assert.Equal((alice.Id, "s-1", Issuer), (stored.Id, stored.ExternalSubject, stored.ExternalIssuer));
    }

    [Fact]
    public async Task The_same_subject_from_another_issuer_is_another_identity()
    {
        var first = (await SignInAsync(server, Identity("s-1", "alice"))).User!;

        var clash = await SignInAsync(server, Identity("s-1", "alice", OtherIssuer));
        var other = await SignInAsync(server, Identity("s-1", "alice2", OtherIssuer));

        Assert.Equal(UsernameClash.OtherIdentity, clash.Clash);
        Assert.NotEqual(first.Id, other.User!.Id);
        Assert.Equal([Issuer, OtherIssuer], (await UsersAsync(server)).Select(u => u.ExternalIssuer));
    }

    [Fact]
    public async Task A_local_admin_account_is_not_taken_over_by_a_sign_in_of_its_username()
    {
        // `token create --user admin --admin`
        var local = await server.InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("admin", makeAdmin: true));

        var signIn = await SignInAsync(server, Identity("s-9", "admin"));

        Assert.Null(signIn.User);
        Assert.Equal(UsernameClash.LocalAccount, signIn.Clash);
        var stored = Assert.Single(await UsersAsync(server));
        Assert.Equal((local.Id, null, null, true), (stored.Id, stored.ExternalSubject, stored.ExternalIssuer, stored.IsAdmin));
    }

    [Fact]
    public async Task With_linking_on_a_sign_in_lands_in_the_local_account_of_its_username_once_and_for_all()
    {
        var local = await linking.InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("jdoe", makeAdmin: false));

        var linked = await SignInAsync(linking, Identity("s-7", "jdoe"));
        var other = await SignInAsync(linking, Identity("s-8", "jdoe"));

        Assert.Equal(local.Id, linked.User!.Id);
        var stored = Assert.Single(await UsersAsync(linking));
        Assert.Equal((Issuer, "s-7", "Name of jdoe"), (stored.ExternalIssuer, stored.ExternalSubject, stored.DisplayName));
        // Linked, it is a provider account: a second identity of that name is refused like any other clash.
        Assert.Equal(UsernameClash.OtherIdentity, other.Clash);
    }

    [Fact]
    public async Task An_account_from_before_issuers_were_kept_is_found_by_its_subject_and_gets_the_issuer()
    {
        var old = await server.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            var user = new User { Username = "olga", ExternalSubject = "s-old", Groups = "hpc-admins" };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            return user;
        });

        var signIn = await SignInAsync(server, Identity("s-old", "olga"));

        Assert.Equal(old.Id, signIn.User!.Id);
        Assert.Equal(Issuer, Assert.Single(await UsersAsync(server)).ExternalIssuer);
    }

    [Fact]
    public async Task Listed_in_AdminUsers_a_new_provider_account_is_admin_through_the_list_not_locally()
    {
        await using var listed = new RegistryServer().With("Registry:AdminUsers:0", "root");

        var root = (await SignInAsync(listed, Identity("s-r", "root"))).User!;

        var stored = Assert.Single(await UsersAsync(listed));
        Assert.Equal((false, true), (stored.IsAdmin, stored.IsListedAdmin));
        Assert.True(await IsAdminAsync(listed, root.Id));
    }

    [Fact]
    public async Task Parallel_first_sign_ins_of_one_identity_make_one_account()
    {
        _ = server.BaseUrl; // one host: the racing calls below would otherwise each start the server
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => SignInAsync(server, Identity("s-1", "alice")))));

        Assert.Equal([UsernameClash.None], results.Select(r => r.Clash).Distinct());
        Assert.Single(results.Select(r => r.User!.Id).Distinct());
        Assert.Single(await UsersAsync(server));
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        await linking.DisposeAsync();
    }
}
