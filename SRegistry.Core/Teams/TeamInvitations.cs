using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Teams;

/// <summary>An invitation just created: the code is shown once, only its hash is kept.</summary>
public sealed record IssuedInvite(TeamInvite Invite, string Code);

public enum InviteState { Valid, Expired, UsedUp, Revoked }

/// <summary>An invitation as its team's owners see it (never the code).</summary>
public sealed record InviteView(string Id, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int UsesLeft, InviteState State);

/// <summary>What an invitation link leads to, before anyone accepts it.</summary>
public sealed record InvitePreview(string TeamName, string TeamDisplayName, InviteState State, DateTimeOffset ExpiresAt, bool AlreadyMember);

/// <summary>Invitation links for invite-only teams: created and revoked by owners, accepted by any signed-in user holding a valid code.</summary>
public sealed class TeamInvitations(RegistryDbContext db, TimeProvider clock, TeamService teams, AuditLog audit)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90);
    public const int MaxUses = 1000;

    public async Task<Outcome<IssuedInvite>> CreateAsync(Principal who, string teamId, TimeSpan lifetime, int uses, CancellationToken ct = default)
    {
        var team = await teams.LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        if (lifetime < TimeSpan.FromMinutes(1) || lifetime > MaxLifetime)
        {
            return Problem.Invalid("an invitation lasts between a minute and 90 days");
        }
        if (uses is < 1 or > MaxUses)
        {
            return Problem.Invalid($"an invitation can be used 1 to {MaxUses} times");
        }
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var now = clock.GetUtcNow();
        var invite = new TeamInvite
        {
            TeamId = teamId, CodeHash = TokenService.Hash(code), CreatedAt = now, ExpiresAt = now + lifetime, UsesLeft = uses,
            CreatedByUserId = who.UserId!,
        };
        db.TeamInvites.Add(invite);
        audit.Record(who, AuditActions.InviteCreate, team.Value!.Name, $"invitation {invite.Id}: {uses} use(s), expires {invite.ExpiresAt:u}");
        await db.SaveChangesAsync(ct);
        return new IssuedInvite(invite, code);
    }

    /// <summary>Says where a link leads and whether it still works, without spending it (link previews must not join anyone).</summary>
    public async Task<Outcome<InvitePreview>> PreviewAsync(Principal who, string? code, CancellationToken ct = default)
    {
        var invite = await FindAsync(code, ct);
        if (invite is null)
        {
            return Problem.NotFound("this invitation link is not valid; check that you copied all of it");
        }
        return new InvitePreview(invite.Team!.Name, invite.Team.DisplayName, StateOf(invite), invite.ExpiresAt, who.TeamIds.Contains(invite.TeamId));
    }

    public async Task<Outcome<Team>> AcceptAsync(Principal who, string? code, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated("sign in to accept an invitation");
        }
        var invite = await FindAsync(code, ct);
        if (invite is null)
        {
            return Problem.NotFound("this invitation link is not valid; check that you copied all of it");
        }
        var refusal = StateOf(invite) switch
        {
            InviteState.Revoked => "this invitation has been revoked; ask a team owner for a new one",
            InviteState.Expired => "this invitation has expired; ask a team owner for a new one",
            InviteState.UsedUp => "this invitation has already been used; ask a team owner for a new one",
            _ => null,
        };
        if (refusal is not null)
        {
            return Problem.Forbidden(refusal);
        }
        if (who.TeamIds.Contains(invite.TeamId))
        {
            return Problem.Conflict($"you are already a member of '{invite.Team!.Name}'");
        }
        // Spending the use, joining and the audit entry commit together: a join refused at the end gives the use back.
        return await audit.ChangeAsync<Team>(async () =>
        {
            // Spend one use in the same statement that checks it, so two people cannot share the last use.
            var spent = await db.TeamInvites.Where(i => i.Id == invite.Id && i.UsesLeft > 0 && i.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsesLeft, i => i.UsesLeft - 1), ct);
            if (spent == 0)
            {
                return Problem.Forbidden("this invitation has already been used; ask a team owner for a new one");
            }
            audit.Record(who, AuditActions.InviteAccept, invite.Team!.Name, $"invitation {invite.Id}");
            var joined = await teams.AddMemberRowAsync(invite.TeamId, who.UserId!, TeamRole.Member, ct);
            return joined.Succeeded ? invite.Team! : new Problem(joined.Failure, joined.Message);
        }, ct);
    }

    public async Task<Outcome<bool>> RevokeAsync(Principal who, string inviteId, CancellationToken ct = default)
    {
        var invite = await db.TeamInvites.FirstOrDefaultAsync(i => i.Id == inviteId, ct);
        if (invite is null)
        {
            return Problem.NotFound("invitation not found");
        }
        var team = await teams.LoadManageableAsync(who, invite.TeamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        if (invite.RevokedAt is null)
        {
            invite.RevokedAt = clock.GetUtcNow();
            audit.Record(who, AuditActions.InviteRevoke, team.Value!.Name, $"invitation {invite.Id}");
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>A team's invitations, for its owners only.</summary>
    public async Task<Outcome<List<InviteView>>> ListAsync(Principal who, string teamId, CancellationToken ct = default)
    {
        var team = await teams.LoadManageableAsync(who, teamId, ct);
        if (!team.Succeeded)
        {
            return new Problem(team.Failure, team.Message);
        }
        var invites = await db.TeamInvites.AsNoTracking().Where(i => i.TeamId == teamId).ToListAsync(ct);
        return invites.OrderByDescending(i => i.CreatedAt).Select(i => new InviteView(i.Id, i.CreatedAt, i.ExpiresAt, i.UsesLeft, StateOf(i))).ToList();
    }

    private InviteState StateOf(TeamInvite invite) =>
        invite.RevokedAt is not null ? InviteState.Revoked
        : invite.ExpiresAt <= clock.GetUtcNow() ? InviteState.Expired
        : invite.UsesLeft <= 0 ? InviteState.UsedUp
        : InviteState.Valid;

    private Task<TeamInvite?> FindAsync(string? code, CancellationToken ct)
    {
        // Codes are 40 hex digits; anything else cannot match, so it is not even hashed and looked up.
        if (code is null || code.Length != 40 || !code.All(char.IsAsciiHexDigitLower))
        {
            return Task.FromResult<TeamInvite?>(null);
        }
        var hash = TokenService.Hash(code);
        return db.TeamInvites.AsNoTracking().Include(i => i.Team).FirstOrDefaultAsync(i => i.CodeHash == hash, ct);
    }
}
