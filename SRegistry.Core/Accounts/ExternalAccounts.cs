using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Accounts;

/// <summary>What an identity provider vouches for at one sign-in; <paramref name="EmailVerified"/> is its <c>email_verified</c>.</summary>
public sealed record ProviderIdentity(string Issuer, string Subject, string Username, string DisplayName, string Email, bool EmailVerified,
    IReadOnlyCollection<string> Groups);

/// <summary>Why a sign-in found its username taken.</summary>
public enum UsernameClash
{
    None,
    /// <summary>A local account (token command, import) has the name, and linking by username is off.</summary>
    LocalAccount,
    /// <summary>Another provider identity (another subject, or another issuer) has the name.</summary>
    OtherIdentity,
}

/// <summary>The account a sign-in lands in, or the clash that kept it out.</summary>
public sealed record ExternalSignIn(User? User, UsernameClash Clash);

/// <summary>
/// OIDC accounts, keyed by the provider's issuer and subject: the username (<c>preferred_username</c>) names the
/// account only when it is created. A sign-in never lands in an account another identity owns; it takes over a local
/// account of the same name only with <see cref="RegistryOptions.LinkLocalAccountsByUsername"/>.
/// </summary>
public sealed class ExternalAccounts(RegistryDbContext db, TimeProvider clock, IOptions<RegistryOptions> options, AuditLog audit)
{
    public async Task<ExternalSignIn> SignInAsync(ProviderIdentity who, CancellationToken ct = default)
    {
        var found = await FindAsync(who, ct);
        if (found.User is null && found.Clash == UsernameClash.None)
        {
            try
            {
                return new ExternalSignIn(await SaveAsync(who, NewUser(who), ct), UsernameClash.None);
            }
            catch (DbUpdateException)
            {
                // A sign-in of the same identity (or a clashing one) in parallel won the insert: judge again against it.
                db.ChangeTracker.Clear();
                found = await FindAsync(who, ct);
                if (found.User is null && found.Clash == UsernameClash.None)
                {
                    throw;
                }
            }
        }
        return found.User is null ? found : new ExternalSignIn(await SaveAsync(who, found.User, ct), UsernameClash.None);
    }

    private async Task<ExternalSignIn> FindAsync(ProviderIdentity who, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.ExternalIssuer == who.Issuer && u.ExternalSubject == who.Subject, ct)
                   ?? await db.Users.FirstOrDefaultAsync(u => u.ExternalIssuer == null && u.ExternalSubject == who.Subject, ct);
        if (user is not null)
        {
            return new ExternalSignIn(user, UsernameClash.None);
        }
        var named = await db.Users.FirstOrDefaultAsync(u => u.Username == who.Username, ct);
        return named switch
        {
            null => new ExternalSignIn(null, UsernameClash.None),
            // Made by a parallel sign-in of this identity between the two reads above.
            _ when IsOf(named, who) => new ExternalSignIn(named, UsernameClash.None),
            { ExternalSubject: null } when options.Value.LinkLocalAccountsByUsername => new ExternalSignIn(named, UsernameClash.None),
            { ExternalSubject: null } => new ExternalSignIn(null, UsernameClash.LocalAccount),
            _ => new ExternalSignIn(null, UsernameClash.OtherIdentity),
        };
    }

    /// <summary>
    /// Whether the account belongs to this identity. Accounts from before issuers were kept have none: one provider was
    /// configured then, so their subject is its subject.
    /// </summary>
    private static bool IsOf(User user, ProviderIdentity who) =>
        user.ExternalSubject == who.Subject && (user.ExternalIssuer == who.Issuer || user.ExternalIssuer is null);

    private User NewUser(ProviderIdentity who)
    {
        var user = new User
        {
            Username = who.Username,
            CreatedAt = clock.GetUtcNow(),
            IsListedAdmin = ListedAdmins.Names(options.Value).Contains(who.Username),
        };
        db.Users.Add(user);
        audit.Record(user.Id, user.Username, AuditActions.UserCreate, user.Username, $"first sign-in through {who.Issuer}");
        return user;
    }

    /// <summary>Refreshes what the provider says: profile and groups, with the time the groups were checked.</summary>
    private async Task<User> SaveAsync(ProviderIdentity who, User user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        user.ExternalIssuer = who.Issuer;
        user.ExternalSubject = who.Subject;
        user.DisplayName = string.IsNullOrWhiteSpace(who.DisplayName) ? user.Username : who.DisplayName;
        user.Email = who.Email;
        user.EmailVerified = who.EmailVerified && who.Email.Length > 0;
        user.Groups = string.Join(' ', who.Groups);
        user.GroupsCheckedAt = now;
        user.LastSeenAt = now;
        await db.SaveChangesAsync(ct);
        return user;
    }
}
