using FluentValidation;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Teams;

/// <summary>Teams: creating, joining (open or by invitation), membership and ownership. Permissions come from <see cref="AccessPolicy"/>.</summary>
public sealed class TeamService(RegistryDbContext db, CollectionAccess access, TimeProvider clock, IValidator<NewTeam> validator, AuditLog audit)
{
    public async Task<Outcome<Team>> CreateAsync(Principal who, NewTeam request, byte[]? avatar = null, CancellationToken ct = default)
    {
        if (!AccessPolicy.CanCreateTeam(who))
        {
            return Problem.Unauthenticated();
        }
        var validation = await validator.ValidateAsync(request, ct);
        if (!validation.IsValid)
        {
            var error = validation.Errors[0];
            return error.ErrorCode == NewTeamValidator.TakenCode ? Problem.Conflict(error.ErrorMessage) : Problem.Invalid($"invalid team: {error.ErrorMessage}");
        }
        var avatarType = (string?)null;
        if (avatar is not null)
        {
            (avatarType, var avatarError) = TeamAvatar.Check(avatar);
            if (avatarError is not null)
            {
                return Problem.Invalid(avatarError);
            }
        }
        var now = clock.GetUtcNow();
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? request.Name : request.DisplayName.Trim();
        var team = new Team
        {
            Name = request.Name, DisplayName = displayName, JoinMode = request.JoinMode, CreatedAt = now,
            Avatar = avatarType is null ? null : avatar, AvatarContentType = avatarType,
        };
        team.Members.Add(new TeamMember { TeamId = team.Id, UserId = who.UserId!, Role = TeamRole.Owner, JoinedAt = now });
        db.Teams.Add(team);
        audit.Record(who, AuditActions.TeamCreate, team.Name, team.JoinMode == TeamJoinMode.Open ? "open" : "by invitation");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            return Problem.Conflict($"the name '{request.Name}' is already taken by a user or team");
        }
        return team;
    }

    /// <summary>Owners change how the team is shown and how people join.</summary>
    public async Task<Outcome<bool>> UpdateAsync(Principal who, string teamId, string? displayName, TeamJoinMode joinMode, CancellationToken ct = default)
    {
        var found = await LoadManageableAsync(who, teamId, ct);
        if (!found.Succeeded)
        {
            return new Problem(found.Failure, found.Message);
        }
        var name = (displayName ?? "").Trim();
        if (name.Length > NewTeamValidator.MaxDisplayNameLength)
        {
            return Problem.Invalid($"the display name is longer than {NewTeamValidator.MaxDisplayNameLength} characters");
        }
        if (!Enum.IsDefined(joinMode))
        {
            return Problem.Invalid("join mode is open or invite");
        }
        var before = found.Value!;
        var shown = name.Length == 0 ? before.Name : name;
        return await audit.ChangeAsync<bool>(async () =>
        {
            await db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(s => s
                .SetProperty(t => t.DisplayName, shown)
                .SetProperty(t => t.JoinMode, joinMode), ct);
            if (before.JoinMode != joinMode)
            {
                audit.Record(who, AuditActions.TeamJoinMode, before.Name, $"{JoinText(before.JoinMode)} → {JoinText(joinMode)}");
            }
            if (before.DisplayName != shown)
            {
                audit.Record(who, AuditActions.TeamUpdate, before.Name, $"display name '{before.DisplayName}' → '{shown}'");
            }
            return true;
        }, ct);
    }

    /// <summary>Replaces (or, with null, removes) the team's avatar after checking it is a small real image.</summary>
    public async Task<Outcome<bool>> SetAvatarAsync(Principal who, string teamId, byte[]? avatar, CancellationToken ct = default)
    {
        var found = await LoadManageableAsync(who, teamId, ct);
        if (!found.Succeeded)
        {
            return new Problem(found.Failure, found.Message);
        }
        string? type = null;
        if (avatar is not null)
        {
            (type, var error) = TeamAvatar.Check(avatar);
            if (error is not null)
            {
                return Problem.Invalid(error);
            }
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            await db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Avatar, type is null ? null : avatar)
                .SetProperty(t => t.AvatarContentType, type), ct);
            audit.Record(who, AuditActions.TeamUpdate, found.Value!.Name, type is null ? "avatar removed" : $"avatar set ({type})");
            return true;
        }, ct);
    }

    /// <summary>A team's avatar bytes and type; teams are public, so anyone may fetch them.</summary>
    public async Task<(byte[] Bytes, string ContentType)?> AvatarAsync(string? teamName, CancellationToken ct = default)
    {
        var found = await db.Teams.AsNoTracking().Where(t => t.Name == teamName && t.Avatar != null)
            .Select(t => new { t.Avatar, t.AvatarContentType }).FirstOrDefaultAsync(ct);
        return found is null ? null : (found.Avatar!, found.AvatarContentType ?? "application/octet-stream");
    }

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
        audit.Record(who, AuditActions.MemberJoin, team.Name, who.Username);
        return await AddMemberRowAsync(teamId, who.UserId!, TeamRole.Member, ct);
    }

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
        audit.Record(who, AuditActions.MemberAdd, team.Value!.Name, user.Username);
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
        if (member.Role != role)
        {
            var username = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Username).FirstAsync(ct);
            audit.Record(who, AuditActions.MemberRole, team.Value!.Name, $"{username}: {RoleText(member.Role)} → {RoleText(role)}");
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
        if (userId == who.UserId)
        {
            audit.Record(who, AuditActions.MemberLeave, team.Name, who.Username);
        }
        else
        {
            var username = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Username).FirstAsync(ct);
            audit.Record(who, AuditActions.MemberRemove, team.Name, username);
        }
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
        return await audit.ChangeAsync<bool>(async () =>
        {
            var members = await db.TeamMembers.CountAsync(m => m.TeamId == teamId, ct);
            await db.Teams.Where(t => t.Id == teamId).ExecuteDeleteAsync(ct);
            audit.Record(who, AuditActions.TeamDelete, team.Value!.Name, $"{members} member(s)");
            return true;
        }, ct);
    }

    /// <summary>Gives a team push and view rights on a collection (collection owners and admins).</summary>
    public async Task<Outcome<bool>> AssignAsync(Principal who, string collectionName, string teamName, bool assign, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collectionName, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collectionName}' not found");
        }
        var collection = found.Collection;
        if (!AccessPolicy.Can(who, CollectionAction.AssignTeams, found.Facts))
        {
            return Problem.Forbidden("only the collection's owner can assign teams");
        }
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == teamName, ct);
        if (team is null)
        {
            return Problem.NotFound($"team '{teamName}' not found");
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            var link = await db.CollectionTeams.FirstOrDefaultAsync(l => l.CollectionId == collection.Id && l.TeamId == team.Id, ct);
            if (assign && link is null)
            {
                db.CollectionTeams.Add(new CollectionTeam { CollectionId = collection.Id, TeamId = team.Id });
                audit.Record(who, AuditActions.CollectionTeamAssign, collection.Name, $"team {team.Name}");
            }
            else if (!assign && link is not null)
            {
                db.CollectionTeams.Remove(link);
                audit.Record(who, AuditActions.CollectionTeamUnassign, collection.Name, $"team {team.Name}");
            }
            await db.SaveChangesAsync(ct);
            if (!assign)
            {
                // A team that no longer shares the collection no longer pays for it: its storage goes back to the owner.
                await db.Collections.Where(c => c.Id == collection.Id && c.ChargedTeamId == team.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.ChargedTeamId, (string?)null), ct);
            }
            return true;
        }, ct);
    }

    /// <summary>The team, if the caller may manage it; shared with <see cref="TeamInvitations"/>.</summary>
    internal async Task<Outcome<Team>> LoadManageableAsync(Principal who, string teamId, CancellationToken ct)
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

    internal async Task<Outcome<TeamMember>> AddMemberRowAsync(string teamId, string userId, TeamRole role, CancellationToken ct)
    {
        var member = new TeamMember { TeamId = teamId, UserId = userId, Role = role, JoinedAt = clock.GetUtcNow() };
        db.TeamMembers.Add(member);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
            return Problem.Conflict("already a member");
        }
        return member;
    }

    private static string JoinText(TeamJoinMode mode) => mode == TeamJoinMode.Open ? "open" : "by invitation";

    private static string RoleText(TeamRole role) => role == TeamRole.Owner ? "owner" : "member";

    private Task<int> OwnerCountAsync(string teamId, CancellationToken ct) =>
        db.TeamMembers.CountAsync(m => m.TeamId == teamId && m.Role == TeamRole.Owner, ct);

    private static TeamFacts Facts(Team team) => new(team.Id, team.JoinMode);
}
