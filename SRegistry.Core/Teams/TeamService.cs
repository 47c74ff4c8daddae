using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Teams;

/// <summary>A team as its pages show it.</summary>
public sealed record TeamView(Team Team, IReadOnlyList<TeamMemberView> Members);

public sealed record TeamMemberView(string UserId, string Username, string DisplayName, TeamRole Role, DateTimeOffset JoinedAt);

/// <summary>An invitation just created: the code is shown once, only its hash is kept.</summary>
public sealed record IssuedInvite(TeamInvite Invite, string Code);

/// <summary>Teams: creating, joining (open or by invitation), membership and ownership. Permissions come from <see cref="AccessPolicy"/>.</summary>
public sealed class TeamService(RegistryDbContext db, TimeProvider clock)
{
    public async Task<Outcome<Team>> CreateAsync(Principal who, string? name, string? displayName, TeamJoinMode joinMode, CancellationToken ct = default)
    {
        if (!AccessPolicy.CanCreateTeam(who))
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsEntityName(name))
        {
            return Problem.Invalid($"invalid team name: {NameRules.ContainerNameRule}");
        }
        // Teams and users share the namespace of library references.
        if (await db.Teams.AnyAsync(t => t.Name == name, ct) || await db.Users.AnyAsync(u => u.Username == name, ct))
        {
            return Problem.Conflict($"the name '{name}' is already taken by a user or team");
        }
        var now = clock.GetUtcNow();
        var team = new Team { Name = name!, DisplayName = string.IsNullOrWhiteSpace(displayName) ? name! : displayName.Trim(), JoinMode = joinMode, CreatedAt = now };
        team.Members.Add(new TeamMember { TeamId = team.Id, UserId = who.UserId!, Role = TeamRole.Owner, JoinedAt = now });
        db.Teams.Add(team);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problem.Conflict($"the name '{name}' is already taken by a user or team");
        }
        return team;
    }

    public async Task<Outcome<TeamView>> FindAsync(Principal who, string? name, CancellationToken ct = default)
    {
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        if (team is null || !AccessPolicy.Can(who, TeamAction.View, Facts(team)))
        {
            return Problem.NotFound($"team '{name}' not found");
        }
        var members = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == team.Id).OrderByDescending(m => m.Role).ThenBy(m => m.User!.Username)
            .Select(m => new TeamMemberView(m.UserId, m.User!.Username, m.User.DisplayName, m.Role, m.JoinedAt)).ToListAsync(ct);
        return new TeamView(team, members);
    }

    public Task<List<Team>> ListAsync(CancellationToken ct = default) =>
        db.Teams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);

    public async Task<Outcome<TeamMember>> JoinAsync(Principal who, string teamId, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Problem.NotFound("team not found");
        }
        if (who.TeamIds.Contains(teamId))
        {
            return Problem.Conflict($"you are already a member of '{team.Name}'");
        }
        if (!AccessPolicy.Can(who, TeamAction.Join, Facts(team)))
        {
            return Problem.Forbidden($"'{team.Name}' is joined by invitation only; ask an owner for a link");
        }
        return await AddMemberRowAsync(teamId, who.UserId!, TeamRole.Member, ct);
    }

    public async Task<Outcome<IssuedInvite>> CreateInviteAsync(Principal who, string teamId, TimeSpan lifetime, int uses, CancellationToken ct = default)
    {
        var team = await LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(90))
        {
            return Problem.Invalid("an invitation lasts between a minute and 90 days");
        }
        if (uses is < 1 or > 1000)
        {
            return Problem.Invalid("an invitation can be used 1 to 1000 times");
        }
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var now = clock.GetUtcNow();
        var invite = new TeamInvite
        {
            TeamId = teamId, CodeHash = TokenService.Hash(code), CreatedAt = now, ExpiresAt = now + lifetime, UsesLeft = uses,
            CreatedByUserId = who.UserId!,
        };
        db.TeamInvites.Add(invite);
        await db.SaveChangesAsync(ct);
        return new IssuedInvite(invite, code);
    }

    public async Task<Outcome<Team>> AcceptInviteAsync(Principal who, string? code, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated("sign in to accept an invitation");
        }
        var hash = TokenService.Hash(code ?? "");
        var invite = await db.TeamInvites.Include(i => i.Team).FirstOrDefaultAsync(i => i.CodeHash == hash, ct);
        if (invite is null)
        {
            return Problem.NotFound("this invitation link is not valid");
        }
        if (invite.RevokedAt is not null)
        {
            return Problem.Forbidden("this invitation has been revoked");
        }
        if (invite.ExpiresAt <= clock.GetUtcNow())
        {
            return Problem.Forbidden("this invitation has expired; ask a team owner for a new one");
        }
        if (invite.UsesLeft <= 0)
        {
            return Problem.Forbidden("this invitation has already been used");
        }
        if (who.TeamIds.Contains(invite.TeamId))
        {
            return Problem.Conflict($"you are already a member of '{invite.Team!.Name}'");
        }
        // Spend one use in the same statement that checks it, so two people cannot share the last use.
        var spent = await db.TeamInvites.Where(i => i.Id == invite.Id && i.UsesLeft > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsesLeft, i => i.UsesLeft - 1), ct);
        if (spent == 0)
        {
            return Problem.Forbidden("this invitation has already been used");
        }
        var joined = await AddMemberRowAsync(invite.TeamId, who.UserId!, TeamRole.Member, ct);
        return joined.Succeeded ? invite.Team! : new Problem(joined.Failure, joined.Message);
    }

    public async Task<Outcome<bool>> RevokeInviteAsync(Principal who, string inviteId, CancellationToken ct = default)
    {
        var invite = await db.TeamInvites.FirstOrDefaultAsync(i => i.Id == inviteId, ct);
        if (invite is null)
        {
            return Problem.NotFound("invitation not found");
        }
        var team = await LoadManageableAsync(who, invite.TeamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        invite.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return true;
    }

    public Task<List<TeamInvite>> InvitesAsync(string teamId, CancellationToken ct = default) =>
        db.TeamInvites.AsNoTracking().Where(i => i.TeamId == teamId).OrderByDescending(i => i.CreatedAt).ToListAsync(ct);

    public async Task<Outcome<TeamMember>> AddMemberAsync(Principal who, string teamId, string? username, CancellationToken ct = default)
    {
        var team = await LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username && !u.IsDisabled, ct);
        if (user is null)
        {
            return Problem.NotFound($"no user '{username}'; they must sign in once first");
        }
        if (await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == user.Id, ct))
        {
            return Problem.Conflict($"{username} is already a member");
        }
        return await AddMemberRowAsync(teamId, user.Id, TeamRole.Member, ct);
    }

    public async Task<Outcome<bool>> SetRoleAsync(Principal who, string teamId, string userId, TeamRole role, CancellationToken ct = default)
    {
        var team = await LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, ct);
        if (member is null)
        {
            return Problem.NotFound("not a member of this team");
        }
        if (role == TeamRole.Member && member.Role == TeamRole.Owner && await OwnerCountAsync(teamId, ct) == 1)
        {
            return Problem.Conflict("a team needs at least one owner; promote someone else first");
        }
        member.Role = role;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Removes a member; owners remove anyone, members remove themselves (leave). The last owner cannot go.</summary>
    public async Task<Outcome<bool>> RemoveMemberAsync(Principal who, string teamId, string userId, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Problem.NotFound("team not found");
        }
        if (userId != who.UserId && !AccessPolicy.Can(who, TeamAction.Manage, Facts(team)))
        {
            return Problem.Forbidden("only team owners can remove other members");
        }
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, ct);
        if (member is null)
        {
            return Problem.NotFound("not a member of this team");
        }
        if (member.Role == TeamRole.Owner && await OwnerCountAsync(teamId, ct) == 1)
        {
            return Problem.Conflict("the last owner cannot leave; hand the team over to another owner first, or delete it");
        }
        db.TeamMembers.Remove(member);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Outcome<bool>> DeleteAsync(Principal who, string teamId, CancellationToken ct = default)
    {
        var team = await LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        await db.Teams.Where(t => t.Id == teamId).ExecuteDeleteAsync(ct);
        return true;
    }

    /// <summary>Gives a team push and view rights on a collection (collection owners and admins).</summary>
    public async Task<Outcome<bool>> AssignAsync(Principal who, string collectionName, string teamName, bool assign, CancellationToken ct = default)
    {
        var collection = await db.Collections.AsNoTracking().FirstOrDefaultAsync(c => c.Name == collectionName, ct);
        var facts = collection is null ? null : await FactsAsync(collection.Id, collection.OwnerId, collection.IsPrivate, ct);
        if (collection is null || !AccessPolicy.Can(who, CollectionAction.View, facts!))
        {
            return Problem.NotFound($"collection '{collectionName}' not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.AssignTeams, facts!))
        {
            return Problem.Forbidden("only the collection's owner can assign teams");
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == teamName, ct);
        if (team is null)
        {
            return Problem.NotFound($"team '{teamName}' not found");
        }
        var link = await db.CollectionTeams.FirstOrDefaultAsync(l => l.CollectionId == collection.Id && l.TeamId == team.Id, ct);
        if (assign && link is null)
        {
            db.CollectionTeams.Add(new CollectionTeam { CollectionId = collection.Id, TeamId = team.Id });
        }
        else if (!assign && link is not null)
        {
            db.CollectionTeams.Remove(link);
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task<CollectionFacts> FactsAsync(string collectionId, string ownerId, bool isPrivate, CancellationToken ct)
    {
        var teamIds = await db.CollectionTeams.AsNoTracking().Where(t => t.CollectionId == collectionId).Select(t => t.TeamId).ToListAsync(ct);
        return new CollectionFacts(ownerId, isPrivate, teamIds.ToHashSet());
    }

    private async Task<Outcome<Team>> LoadManageableAsync(Principal who, string teamId, CancellationToken ct)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Problem.NotFound("team not found");
        }
        return AccessPolicy.Can(who, TeamAction.Manage, Facts(team)) ? team : Problem.Forbidden($"only owners of '{team.Name}' can do this");
    }

    private async Task<Outcome<TeamMember>> AddMemberRowAsync(string teamId, string userId, TeamRole role, CancellationToken ct)
    {
        var member = new TeamMember { TeamId = teamId, UserId = userId, Role = role, JoinedAt = clock.GetUtcNow() };
        db.TeamMembers.Add(member);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return Problem.Conflict("already a member");
        }
        return member;
    }

    private Task<int> OwnerCountAsync(string teamId, CancellationToken ct) =>
        db.TeamMembers.CountAsync(m => m.TeamId == teamId && m.Role == TeamRole.Owner, ct);

    private static TeamFacts Facts(Team team) => new(team.Id, team.JoinMode);
}
