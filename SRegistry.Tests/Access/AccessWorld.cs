using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// One registry holding one real user or token for every <see cref="Who"/>: a private ("secret") and a public ("open")
/// collection owned by olive, both assigned to the invite-only team "crew" (owned by tom; mel, dan, rex and eve are members),
/// and the open team "club" owned by zed, who is in no matrix role. rita is a reader of both collections. dan is disabled,
/// rex's token revoked, eve's expired.
/// </summary>
public sealed class AccessWorld : RegistryServer, IAsyncLifetime
{
    public Dictionary<Who, string?> Tokens { get; } = [];
    public Dictionary<bool, string> CollectionIds { get; } = [];
    public Dictionary<string, string> TeamIds { get; } = [];
    public Dictionary<string, string> UserIds { get; } = [];
    public SifFiles Sifs { get; } = new();

    /// <summary>The matrix sends disabled, revoked and expired tokens hundreds of times from one address: far past the brake's default.</summary>
    public AccessWorld() => With("Registry:FailedTokenLimit", "100000");

    public static string CollectionName(bool isPrivate) => isPrivate ? "secret" : "open";

    public async ValueTask InitializeAsync()
    {
        if (!SifFiles.SiftoolAvailable)
        {
            return;
        }
        Tokens[Who.Anonymous] = null;
        Tokens[Who.CollectionOwner] = await CreateTokenAsync("olive");
        Tokens[Who.Stranger] = await CreateTokenAsync("sam");
        Tokens[Who.TeamOwner] = await CreateTokenAsync("tom");
        Tokens[Who.TeamMember] = await CreateTokenAsync("mel");
        Tokens[Who.CollectionReader] = await CreateTokenAsync("rita");
        Tokens[Who.Admin] = await CreateTokenAsync("ada", admin: true);
        Tokens[Who.DisabledUser] = await CreateTokenAsync("dan");
        Tokens[Who.RevokedToken] = await CreateTokenAsync("rex");
        await CreateTokenAsync("zed");
        await CreateTokenAsync("tara");
        Tokens[Who.ExpiredToken] = await InScopeAsync(async sp =>
        {
            var user = await sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync("eve", false);
            return (await sp.GetRequiredService<TokenService>().IssueAsync(user.Id, "old", DateTimeOffset.UtcNow.AddMinutes(-1))).Secret;
        });
        var owner = new LibraryProtocol(Client(Tokens[Who.CollectionOwner]));
        foreach (var isPrivate in new[] { true, false })
        {
            await owner.PushAsync($"olive/{CollectionName(isPrivate)}/img", await Sifs.CreateAsync(2_000));
        }
        await MakeCollectionPrivateAsync("secret");
        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            foreach (var (name, id) in await db.Users.ToDictionaryAsync(u => u.Username, u => u.Id))
            {
                UserIds[name] = id;
            }
            var teams = sp.GetRequiredService<TeamService>();
            var crew = (await teams.CreateAsync(LocalPrincipal("tom"), new NewTeam { Name = "crew", DisplayName = "Crew", JoinMode = TeamJoinMode.Invite })).Value!;
            var club = (await teams.CreateAsync(LocalPrincipal("zed"), new NewTeam { Name = "club", DisplayName = "Club", JoinMode = TeamJoinMode.Open })).Value!;
            TeamIds["crew"] = crew.Id;
            // An administrator's quota for crew, so collections may be charged to it.
            crew.QuotaBytes = 1L << 40;
            TeamIds["club"] = club.Id;
            foreach (var member in new[] { "mel", "dan", "rex", "eve" })
            {
                db.TeamMembers.Add(new TeamMember { TeamId = crew.Id, UserId = UserIds[member], Role = TeamRole.Member });
            }
            foreach (var collection in await db.Collections.ToListAsync())
            {
                db.CollectionTeams.Add(new CollectionTeam { CollectionId = collection.Id, TeamId = crew.Id });
                db.CollectionReaders.Add(new CollectionReader { CollectionId = collection.Id, UserId = UserIds["rita"] });
                CollectionIds[collection.Name == "secret"] = collection.Id;
            }
            await db.Users.Where(u => u.Username == "dan").ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true));
            await db.SaveChangesAsync();
            var rex = await db.ApiTokens.FirstAsync(t => t.UserId == UserIds["rex"]);
            rex.RevokedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync();
            return true;
        });
    }

    /// <summary>The principal the app builds for this caller's token, the way the bearer handler does.</summary>
    public Task<Principal> PrincipalOfAsync(Who who) => InScopeAsync(async sp =>
    {
        var token = Tokens[who];
        var user = token is null ? null : await sp.GetRequiredService<TokenService>().ValidateAsync(token);
        return user is null ? Principal.Anonymous : await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(user.Id);
    });

    public override async ValueTask DisposeAsync()
    {
        Sifs.Dispose();
        await base.DisposeAsync();
    }

    private Principal LocalPrincipal(string username) => new(UserIds[username], username, false, new HashSet<string>(), new HashSet<string>());
}
