using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Browsing;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Admin;

/// <summary>A user as the admin area lists them.</summary>
public sealed record UserSummary(
    string Id, string Username, string DisplayName, string Email, bool IsAdmin, bool AdminViaGroup, bool AdminViaList,
    bool IsDisabled, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, int Collections, int ActiveTokens);

/// <summary>
/// The admin area's user management. Every call checks <see cref="AccessPolicy.CanAdminister"/>; to anyone else the
/// admin area does not exist (not found, like anything else they may not see).
/// </summary>
public sealed class UserAdministration(RegistryDbContext db, TimeProvider clock, IOptions<RegistryOptions> options, AuditLog audit)
{
    public async Task<Outcome<Paged<UserSummary>>> UsersAsync(Principal who, string? search, int page = 0, int pageSize = 50, CancellationToken ct = default)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var users = db.Users.AsNoTracking();
        var text = (search ?? "").Trim();
        if (text.Length > 0)
        {
            var pattern = LikePatterns.Containing(text, 64);
            users = users.Where(u => LikePatterns.Matches(u.Username, pattern)
                                     || LikePatterns.Matches(u.DisplayName, pattern)
                                     || LikePatterns.Matches(u.Email, pattern));
        }
        var total = await users.CountAsync(ct);
        var size = Math.Clamp(pageSize, 1, 200);
        var now = clock.GetUtcNow();
        var rows = await users.OrderBy(u => u.Username).Skip(Math.Max(page, 0) * size).Take(size)
            .Select(u => new
            {
                u.Id, u.Username, u.DisplayName, u.Email, u.IsAdmin, u.IsListedAdmin, u.Groups, u.GroupsCheckedAt, u.IsDisabled, u.CreatedAt, u.LastSeenAt,
                Collections = db.Collections.Count(c => c.OwnerId == u.Id),
                // Expiry is compared in memory below: SQLite cannot order DateTimeOffset values in SQL.
                Tokens = db.ApiTokens.Where(t => t.UserId == u.Id && t.RevokedAt == null).Select(t => t.ExpiresAt).ToList(),
            })
            .ToListAsync(ct);
        var items = rows.Select(u => new UserSummary(u.Id, u.Username, u.DisplayName, u.Email, u.IsAdmin,
                AdminRights.GroupsCurrent(u.GroupsCheckedAt, options.Value, now) && AdminRights.InAdminGroup(u.Groups, options.Value),
                u.IsListedAdmin == true, u.IsDisabled, u.CreatedAt, u.LastSeenAt, u.Collections, u.Tokens.Count(e => e is null || e > now)))
            .ToList();
        return new Paged<UserSummary>(items, total);
    }

    /// <summary>
    /// Promotes or demotes an admin (the local flag). Admins through the identity-provider group or <c>Registry:AdminUsers</c>
    /// stay admins while the provider or the list says so: demoting one without a local flag is refused with where to do it instead.
    /// </summary>
    public async Task<Outcome<bool>> SetAdminAsync(Principal who, string userId, bool isAdmin, CancellationToken ct = default)
    {
        var user = await LoadOtherUserAsync(who, userId, "your own admin rights", ct);
        if (!user.Succeeded)
        {
            return new Problem(user.Failure, user.Message);
        }
        var rights = AdminRights.Of(user.Value!, options.Value, clock.GetUtcNow());
        // Clearing a local flag is always possible; refused is only a demotion that would change nothing.
        if (!isAdmin && !rights.Local && rights.ViaGroup)
        {
            return Problem.Conflict($"{user.Value!.Username} is an admin through the identity provider's group '{options.Value.AdminGroup}'; remove them from that group instead");
        }
        if (!isAdmin && !rights.Local && rights.Listed)
        {
            return Problem.Conflict($"{user.Value!.Username} is an admin through Registry:AdminUsers; take the name off that list and restart instead");
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAdmin, isAdmin), ct);
            audit.Record(who, AuditActions.UserAdmin, user.Value!.Username, isAdmin ? "made admin" : "admin rights removed");
            return true;
        }, ct);
    }

    /// <summary>Disables or re-enables an account. A disabled user is anonymous at once: every token and session stops working.</summary>
    public async Task<Outcome<bool>> SetDisabledAsync(Principal who, string userId, bool disabled, CancellationToken ct = default)
    {
        var user = await LoadOtherUserAsync(who, userId, "your own account", ct);
        if (!user.Succeeded)
        {
            return new Problem(user.Failure, user.Message);
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, disabled), ct);
            audit.Record(who, AuditActions.UserDisable, user.Value!.Username, disabled ? "disabled" : "enabled");
            return true;
        }, ct);
    }

    // Admins cannot lock themselves out: another admin must do it.
    private async Task<Outcome<Model.User>> LoadOtherUserAsync(Principal who, string userId, string what, CancellationToken ct)
    {
        if (!AccessPolicy.CanAdminister(who))
        {
            return Problem.NotFound("not found");
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return Problem.NotFound("user not found");
        }
        return user.Id == who.UserId ? Problem.Conflict($"you cannot change {what}; ask another admin") : user;
    }
}
