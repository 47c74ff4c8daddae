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
public sealed class UserDirectory(RegistryDbContext db, TimeProvider clock, IOptions<RegistryOptions> options, AuditLog audit)
{
    /// <summary>Finds or creates a local user (token command, development sign-in).</summary>
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
            user = new User { Username = username, DisplayName = username, CreatedAt = now, LastSeenAt = now };
            db.Users.Add(user);
        }
        if (!user.IsAdmin && (makeAdmin || options.Value.AdminUsers.Contains(username, StringComparer.Ordinal)))
        {
            // The server's own doing (token create --admin, Registry:AdminUsers), so no acting user.
            user.IsAdmin = true;
            audit.Record(null, AuditActions.UserAdmin, username, makeAdmin ? "made admin by the command line" : "made admin by Registry:AdminUsers");
        }
        await db.SaveChangesAsync(ct);
        return user;
    }

    /// <summary>Finds or creates the user an identity provider vouches for, refreshing profile, groups and admin flag.</summary>
    public async Task<User> EnsureExternalUserAsync(string subject, string username, string displayName, string email,
        IReadOnlyCollection<string> groups, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.ExternalSubject == subject, ct)
                   ?? await db.Users.FirstOrDefaultAsync(u => u.Username == username && u.ExternalSubject == null, ct);
        var now = clock.GetUtcNow();
        if (user is null)
        {
            user = new User { Username = username, CreatedAt = now };
            db.Users.Add(user);
        }
        user.ExternalSubject = subject;
        user.DisplayName = string.IsNullOrWhiteSpace(displayName) ? username : displayName;
        user.Email = email;
        user.Groups = string.Join(' ', groups);
        user.LastSeenAt = now;
        // Admin through the group is not stored: it lasts exactly as long as the provider says the user is in the group.
        user.IsAdmin |= options.Value.AdminUsers.Contains(username, StringComparer.Ordinal);
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
        return new Principal(user.Id, user.Username, user.IsAdmin || InAdminGroup(user.Groups, options.Value),
            memberships.Select(m => m.TeamId).ToHashSet(),
            memberships.Where(m => m.Role == TeamRole.Owner).Select(m => m.TeamId).ToHashSet());
    }

    /// <summary>Whether the groups last seen from the identity provider include the configured admin group.</summary>
    public static bool InAdminGroup(string groups, RegistryOptions options) =>
        !string.IsNullOrEmpty(options.AdminGroup) && groups.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(options.AdminGroup, StringComparer.Ordinal);
}
