using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>The library protocol's entities: users and teams, found by name; a push may only name its own or a team's.</summary>
public sealed class LibraryEntities(RegistryDbContext db, IOptions<RegistryOptions> options)
{
    private RegistryOptions Options => options.Value;

    /// <summary>An entity (a user's or a team's namespace) by the path a client asks for (docs/protocol/library.md#l1).</summary>
    public async Task<Outcome<EntityView>> FindEntityAsync(string? path, CancellationToken ct = default)
    {
        var segments = LibraryRef.SplitPath(path);
        if (segments.Length != 1 || !NameRules.IsEntityName(segments[0]))
        {
            return Problem.Invalid($"invalid entity name: {NameRules.ContainerNameRule}");
        }
        var name = segments[0];
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == name && !u.IsDisabled, ct);
        if (user is not null)
        {
            return ToEntity(user);
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        return team is null ? Problem.NotFound($"entity '{name}' not found") : ToEntity(team);
    }

    /// <summary>Entities are users and teams, created elsewhere; the protocol's create only confirms the caller's own namespace.</summary>
    public async Task<Outcome<EntityView>> CreateEntityAsync(Principal who, string? name, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsEntityName(name))
        {
            return Problem.Invalid($"invalid entity name: {NameRules.ContainerNameRule}");
        }
        if (name == who.Username)
        {
            var self = await db.Users.AsNoTracking().FirstAsync(u => u.Id == who.UserId, ct);
            return ToEntity(self);
        }
        return Problem.Forbidden($"you can only push to your own namespace '{who.Username}' or a team's; '{name}' is neither (create teams in the web UI)");
    }

    private EntityView ToEntity(User user) =>
        new(user.Id, user.Username, user.DisplayName, false, Options.NewCollectionsPrivate, user.CreatedAt);

    private EntityView ToEntity(Team team) =>
        new(team.Id, team.Name, team.DisplayName, true, Options.NewCollectionsPrivate, team.CreatedAt);
}
