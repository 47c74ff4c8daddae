using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Accounts;

/// <summary>Creates users on first sight and builds the <see cref="Principal"/> the access policy judges.</summary>
public sealed class UserAccounts(RegistryDbContext db, TimeProvider clock, IOptions<RegistryOptions> options, AuditLog audit)
{
    /// <summary>Finds or creates a local user (token command, development sign-in); <paramref name="makeAdmin"/> sets the local admin flag.</summary>
    public async Task<User> EnsureLocalUserAsync(string username, bool makeAdmin, CancellationToken ct = default)
    {
        if (!NameRules.IsEntityName(username))
        {
            throw new ArgumentException($"'{username}' is not a valid username: {NameRules.ContainerNameRule}", nameof(username));
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == username, ct);
        var now = clock.GetUtcNow();
        if (user is null)
        {
            // Existing users' listing is the start's business (ListedAdmins): a command run with other settings changes nobody.
            user = new User
            {
                Username = username,
                DisplayName = username,
                CreatedAt = now,
                LastSeenAt = now,
                IsListedAdmin = ListedAdmins.Names(options.Value).Contains(username),
            };
            db.Users.Add(user);
        }
        if (makeAdmin && !user.IsAdmin)
        {
            // The server's own doing (token create --admin), so no acting user.
            user.IsAdmin = true;
            audit.Record(null, AuditActions.UserAdmin, username, "made admin by the command line");
        }
        await db.SaveChangesAsync(ct);
        return user;
    }

    public async Task<Principal> PrincipalForAsync(string userId, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && !u.IsDisabled, ct);
        if (user is null)
        {
            return Principal.Anonymous;
        }
        var memberships = await db.TeamMembers.AsNoTracking().Where(m => m.UserId == userId)
            .Select(m => new { m.TeamId, m.Role }).ToListAsync(ct);
        return new Principal(user.Id, user.Username, AdminRights.Of(user, options.Value, clock.GetUtcNow()).Any,
            memberships.Select(m => m.TeamId).ToHashSet(),
            memberships.Where(m => m.Role == TeamRole.Owner).Select(m => m.TeamId).ToHashSet());
    }
}
