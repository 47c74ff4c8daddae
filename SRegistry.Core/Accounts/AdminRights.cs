using SRegistry.Core.Configuration;
using SRegistry.Core.Model;

namespace SRegistry.Core.Accounts;

/// <summary>
/// Where a user's admin rights come from. Each source is revoked on its own: the provider's group when its claims grow
/// older than <see cref="RegistryOptions.GroupClaimsLifetime"/>, the <see cref="RegistryOptions.AdminUsers"/> list at
/// the next start without the name, the local flag only by an admin here.
/// </summary>
public readonly record struct AdminRights(bool Local, bool Listed, bool ViaGroup)
{
    public bool Any => Local || Listed || ViaGroup;

    public static AdminRights Of(User user, RegistryOptions options, DateTimeOffset now) =>
        new(user.IsAdmin, user.IsListedAdmin == true, GroupsCurrent(user.GroupsCheckedAt, options, now) && InAdminGroup(user.Groups, options));

    /// <summary>Whether groups checked at <paramref name="checkedAt"/> still count: never for groups never checked.</summary>
    public static bool GroupsCurrent(DateTimeOffset? checkedAt, RegistryOptions options, DateTimeOffset now) =>
        checkedAt is { } at && now < at + options.GroupClaimsLifetime;

    /// <summary>Whether the groups last seen from the identity provider include the configured admin group.</summary>
    public static bool InAdminGroup(string groups, RegistryOptions options) =>
        !string.IsNullOrEmpty(options.AdminGroup) && groups.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(options.AdminGroup, StringComparer.Ordinal);
}
