using FluentValidation;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Quotas;

/// <summary>Whom a collection is charged to, and whom the viewer could charge it to instead.</summary>
public sealed record CollectionCharge(string Collection, QuotaAccount ChargedTo, string OwnerName, IReadOnlyList<string> ChargeableTeams,
    bool CanChargeOwner)
{
    public bool CanChange => ChargeableTeams.Count > 0 || CanChargeOwner;
}

/// <summary>
/// What people see and change about quotas: their own and their teams' usage, admins' per-user and per-team
/// overrides, and which account a collection is charged to.
/// </summary>
public sealed class QuotaAdministration(RegistryDbContext db, QuotaAccounting quotas, CollectionAccess access, IValidator<QuotaOverride> validator,
    AuditLog audit)
{
    /// <summary>The signed-in user's own storage (collections they own that are not charged to a team).</summary>
    public async Task<Outcome<AccountQuota>> MineAsync(Principal who, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        return await UserQuotaAsync(who.UserId!, ct);
    }

    /// <summary>A team's storage, for its members and admins; to others it is not there.</summary>
    public async Task<Outcome<AccountQuota>> TeamAsync(Principal who, string? teamName, CancellationToken ct = default)
    {
        var team = await db.Teams.AsNoTracking().Where(t => t.Name == teamName).Select(t => new { t.Id, t.JoinMode }).FirstOrDefaultAsync(ct);
        if (team is null)
        {
            return Problem.NotFound($"team '{teamName}' not found");
        }
        if (!AccessPolicy.Can(who, TeamAction.ViewUsage, new TeamFacts(team.Id, team.JoinMode)))
        {
            // Teams are public; their storage figures are for the members.
            return who.IsAuthenticated ? Problem.Forbidden($"only members of '{teamName}' see its storage") : Problem.Unauthenticated();
        }
        return await TeamQuotaAsync(team.Id, ct);
    }

    /// <summary>Quota and usage of many users at once, for the admin area's user list.</summary>
    public async Task<Outcome<IReadOnlyDictionary<string, AccountQuota>>> UsersAsync(Principal who, IReadOnlyCollection<string> userIds,
        CancellationToken ct = default)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.Username, u.QuotaBytes }).ToListAsync(ct);
        var used = await db.Images.AsNoTracking()
            .Where(i => i.IsUploaded && (i.Container!.Collection!.ChargedTeamId == null || i.Container.Collection.ChargedTeam!.QuotaBytes == null)
                        && userIds.Contains(i.Container.Collection.OwnerId))
            .GroupBy(i => i.Container!.Collection!.OwnerId)
            .Select(g => new { g.Key, Bytes = g.Sum(i => i.Size) })
            .ToDictionaryAsync(g => g.Key, g => g.Bytes, ct);
        return users.ToDictionary(u => u.Id, u => Quota(new QuotaAccount(QuotaHolder.User, u.Id, u.Username), u.QuotaBytes, used.GetValueOrDefault(u.Id)));
    }

    /// <summary>Quota and usage of many teams at once, for the admin area's team list.</summary>
    public async Task<Outcome<IReadOnlyDictionary<string, AccountQuota>>> TeamsAsync(Principal who, IReadOnlyCollection<string> teamIds,
        CancellationToken ct = default)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).Select(t => new { t.Id, t.Name, t.QuotaBytes }).ToListAsync(ct);
        var used = await db.Images.AsNoTracking()
            .Where(i => i.IsUploaded && i.Container!.Collection!.ChargedTeam!.QuotaBytes != null && teamIds.Contains(i.Container.Collection.ChargedTeamId!))
            .GroupBy(i => i.Container!.Collection!.ChargedTeamId!)
            .Select(g => new { g.Key, Bytes = g.Sum(i => i.Size) })
            .ToDictionaryAsync(g => g.Key, g => g.Bytes, ct);
        return teams.ToDictionary(t => t.Id, t => Quota(new QuotaAccount(QuotaHolder.Team, t.Id, t.Name), t.QuotaBytes, used.GetValueOrDefault(t.Id)));
    }

    /// <summary>An admin's override for one user. Lowering it below the usage refuses further pushes; nothing stored is removed.</summary>
    public async Task<Outcome<AccountQuota>> SetUserQuotaAsync(Principal who, string? userId, QuotaOverride setting, CancellationToken ct = default)
    {
        var refused = await RefuseAsync(who, setting, ct);
        if (refused is { } problem)
        {
            return problem;
        }
        var bytes = setting.ToBytes();
        var changed = await audit.ChangeAsync<bool>(async () =>
        {
            var name = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Username).FirstOrDefaultAsync(ct);
            if (name is null || await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.QuotaBytes, bytes), ct) != 1)
            {
                return Problem.NotFound("user not found");
            }
            audit.Record(who, AuditActions.QuotaUser, name, Describe(bytes));
            return true;
        }, ct);
        return changed.Succeeded ? await UserQuotaAsync(userId!, ct) : new Problem(changed.Failure, changed.Message);
    }

    /// <summary>An admin's override for one team.</summary>
    public async Task<Outcome<AccountQuota>> SetTeamQuotaAsync(Principal who, string? teamId, QuotaOverride setting, CancellationToken ct = default)
    {
        var refused = await RefuseAsync(who, setting, ct);
        if (refused is { } problem)
        {
            return problem;
        }
        var bytes = setting.ToBytes();
        var changed = await audit.ChangeAsync<bool>(async () =>
        {
            var name = await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct);
            if (name is null || await db.Teams.Where(t => t.Id == teamId).ExecuteUpdateAsync(s => s.SetProperty(t => t.QuotaBytes, bytes), ct) != 1)
            {
                return Problem.NotFound("team not found");
            }
            audit.Record(who, AuditActions.QuotaTeam, name, Describe(bytes));
            return true;
        }, ct);
        return changed.Succeeded ? await TeamQuotaAsync(teamId!, ct) : new Problem(changed.Failure, changed.Message);
    }

    public async Task<Outcome<CollectionCharge>> ChargeOfAsync(Principal who, string? collectionName, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collectionName, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collectionName}' not found");
        }
        var (collection, facts, _) = found;
        var teams = await db.CollectionTeams.AsNoTracking().Where(l => l.CollectionId == collection.Id).OrderBy(l => l.Team!.Name)
            .Select(l => new { l.Team!.Id, l.Team.Name, l.Team.JoinMode, l.Team.QuotaBytes }).ToListAsync(ct);
        var account = await quotas.AccountOfAsync(collection.Id, ct);
        var chargeable = teams.Where(t => t.Id != collection.ChargedTeamId && t.QuotaBytes is not null
                                          && AccessPolicy.CanChargeToTeam(who, facts, new TeamFacts(t.Id, t.JoinMode)))
            .Select(t => t.Name).ToList();
        var current = teams.FirstOrDefault(t => t.Id == collection.ChargedTeamId);
        var canChargeOwner = current is not null && AccessPolicy.CanStopChargingTeam(who, facts, new TeamFacts(current.Id, current.JoinMode));
        return new CollectionCharge(collection.Name, account, collection.Owner!.Username, chargeable, canChargeOwner);
    }

    /// <summary>
    /// Charges a collection to one of its assigned teams, or (<paramref name="teamName"/> empty) back to its owner.
    /// Only new pushes are checked against the new account's quota; what is stored simply moves with the collection.
    /// </summary>
    public async Task<Outcome<CollectionCharge>> ChargeToAsync(Principal who, string? collectionName, string? teamName, CancellationToken ct = default)
    {
        var found = await access.FindVisibleAsync(who, collectionName, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collectionName}' not found");
        }
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var (collection, facts, _) = found;
        string? chargedTeamId;
        string chargedTo;
        if (string.IsNullOrWhiteSpace(teamName))
        {
            var current = collection.ChargedTeamId is null ? null : await db.Teams.AsNoTracking().FirstAsync(t => t.Id == collection.ChargedTeamId, ct);
            if (current is not null && !AccessPolicy.CanStopChargingTeam(who, facts, new TeamFacts(current.Id, current.JoinMode)))
            {
                return Problem.Forbidden($"only the owner of '{collection.Name}' or of team '{current.Name}' can move its storage back to the owner");
            }
            chargedTeamId = null;
            chargedTo = $"charged to its owner {collection.Owner?.Username}";
        }
        else
        {
            var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == teamName.Trim(), ct);
            if (team is null || !facts.TeamIds.Contains(team.Id))
            {
                return Problem.Invalid($"team '{teamName.Trim()}' is not assigned to '{collection.Name}'; assign it first");
            }
            if (!AccessPolicy.CanChargeToTeam(who, facts, new TeamFacts(team.Id, team.JoinMode)))
            {
                return Problem.Forbidden($"charging '{collection.Name}' to team '{team.Name}' needs someone who owns both the collection and the team");
            }
            if (team.QuotaBytes is null)
            {
                // Anyone can make a team: a quota nobody granted would be a way around the user's own.
                return Problem.Forbidden($"team '{team.Name}' has no storage quota set by an administrator; ask one to set it before charging collections to it");
            }
            chargedTeamId = team.Id;
            chargedTo = $"charged to team {team.Name}";
        }
        await audit.ChangeAsync<bool>(async () =>
        {
            await db.Collections.Where(c => c.Id == collection.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ChargedTeamId, chargedTeamId), ct);
            audit.Record(who, AuditActions.CollectionCharge, collection.Name, chargedTo);
            return true;
        }, ct);
        return await ChargeOfAsync(who, collection.Name, ct);
    }

    private static string Describe(long? quotaBytes) =>
        quotaBytes switch { null => "default quota", 0 => "unlimited", { } b => ByteCount.Format(b) };

    private async Task<Problem?> RefuseAsync(Principal who, QuotaOverride setting, CancellationToken ct)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var validation = await validator.ValidateAsync(setting, ct);
        return validation.IsValid ? null : Problem.Invalid($"invalid quota: {validation.Errors[0].ErrorMessage}");
    }

    private async Task<AccountQuota> UserQuotaAsync(string userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Username, u.QuotaBytes }).FirstAsync(ct);
        var account = new QuotaAccount(QuotaHolder.User, userId, user.Username);
        return Quota(account, user.QuotaBytes, (await quotas.UsageAsync(account, ct)).UsedBytes);
    }

    private async Task<AccountQuota> TeamQuotaAsync(string teamId, CancellationToken ct)
    {
        var team = await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => new { t.Name, t.QuotaBytes }).FirstAsync(ct);
        var account = new QuotaAccount(QuotaHolder.Team, teamId, team.Name);
        return Quota(account, team.QuotaBytes, (await quotas.UsageAsync(account, ct)).UsedBytes);
    }

    private AccountQuota Quota(QuotaAccount account, long? overrideBytes, long used)
    {
        var defaultBytes = quotas.DefaultBytes(account.Holder);
        return new AccountQuota(account, overrideBytes, defaultBytes, new QuotaUsage(overrideBytes ?? defaultBytes, used));
    }
}
