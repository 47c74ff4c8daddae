using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Teams;

public sealed record TeamSummary(string Id, string Name, string DisplayName, TeamJoinMode JoinMode, int Members, bool HasAvatar, TeamRole? MyRole);

public sealed record TeamMemberView(string UserId, string Username, string DisplayName, TeamRole Role, DateTimeOffset JoinedAt);

/// <summary>What the team page shows, and what the viewer may do there.</summary>
public sealed record TeamDetails(
    string Id, string Name, string DisplayName, TeamJoinMode JoinMode, bool HasAvatar, DateTimeOffset CreatedAt,
    IReadOnlyList<TeamMemberView> Members, IReadOnlyList<string> Collections, TeamRole? MyRole, bool CanJoin, bool CanManage);

/// <summary>Teams as the dashboard lists and shows them. Teams are public; the collections shown are filtered by what the viewer may see.</summary>
public sealed class TeamBrowsing(RegistryDbContext db)
{
    public async Task<List<TeamSummary>> BrowseAsync(Principal who, string? search = null, CancellationToken ct = default)
    {
        var teams = db.Teams.AsNoTracking();
        var text = (search ?? "").Trim();
        if (text.Length > 0)
        {
            var pattern = LikePatterns.Containing(text, 64);
            teams = teams.Where(t => LikePatterns.Matches(t.Name, pattern) || LikePatterns.Matches(t.DisplayName, pattern));
        }
        var userId = who.UserId;
        return await teams.OrderBy(t => t.Name)
            .Select(t => new TeamSummary(t.Id, t.Name, t.DisplayName, t.JoinMode, t.Members.Count, t.Avatar != null,
                t.Members.Where(m => m.UserId == userId).Select(m => (TeamRole?)m.Role).FirstOrDefault()))
            .ToListAsync(ct);
    }

    public async Task<Outcome<TeamDetails>> DetailsAsync(Principal who, string? name, CancellationToken ct = default)
    {
        var team = await db.Teams.AsNoTracking().Where(t => t.Name == name)
            .Select(t => new { t.Id, t.Name, t.DisplayName, t.JoinMode, HasAvatar = t.Avatar != null, t.CreatedAt }).FirstOrDefaultAsync(ct);
        var facts = team is null ? null : new TeamFacts(team.Id, team.JoinMode);
        if (team is null || !AccessPolicy.Can(who, TeamAction.View, facts!))
        {
            return Problem.NotFound($"team '{name}' not found");
        }
        var members = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == team.Id)
            .OrderByDescending(m => m.Role).ThenBy(m => m.User!.Username)
            .Select(m => new TeamMemberView(m.UserId, m.User!.Username, m.User.DisplayName, m.Role, m.JoinedAt)).ToListAsync(ct);
        var collections = await db.Collections.AsNoTracking().VisibleTo(who).Where(c => c.Teams.Any(l => l.TeamId == team.Id))
            .OrderBy(c => c.Name).Select(c => c.Name).ToListAsync(ct);
        var myRole = members.Where(m => m.UserId == who.UserId).Select(m => (TeamRole?)m.Role).FirstOrDefault();
        return new TeamDetails(team.Id, team.Name, team.DisplayName, team.JoinMode, team.HasAvatar, team.CreatedAt, members, collections, myRole,
            AccessPolicy.Can(who, TeamAction.Join, facts!), AccessPolicy.Can(who, TeamAction.Manage, facts!));
    }

    /// <summary>Team names for the assign-team picker on a collection page.</summary>
    public Task<List<string>> NamesAsync(string? prefix, int limit = 20, CancellationToken ct = default)
    {
        var text = (prefix ?? "").Trim();
        var pattern = LikePatterns.StartingWith(text, 64);
        return db.Teams.AsNoTracking().Where(t => LikePatterns.Matches(t.Name, pattern)).OrderBy(t => t.Name)
            .Select(t => t.Name).Take(Math.Clamp(limit, 1, 100)).ToListAsync(ct);
    }
}
