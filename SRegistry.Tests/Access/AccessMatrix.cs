using SRegistry.Core.Access;

namespace SRegistry.Tests.Access;

/// <summary>Who the matrix asks about. Disabled users and revoked or expired tokens must be treated exactly like anonymous.</summary>
/// <summary>CollectionReader: a user the owner made a reader of both collections (see and pull only).</summary>
public enum Who { Anonymous, Stranger, TeamMember, TeamOwner, CollectionOwner, CollectionReader, Admin, DisabledUser, RevokedToken, ExpiredToken }

/// <summary>Registry-wide actions in the matrix; the admin ones are <see cref="AccessPolicy.CanAdminister"/>.</summary>
public enum RegistryAction { CreateCollection, CreateTeam, ListUsers, DisableUser, PromoteUser, SetUserQuota, SetTeamQuota, CollectGarbage }

/// <summary>Whose quota a collection counts against: charging it to its assigned team "crew", and moving it back to the owner.</summary>
public enum ChargeAction { ChargeToTeam, ChargeBackToOwner }

/// <summary>
/// The access matrix, as data: for a private and a public collection, which principals may do what.
/// Read a row as "these may; everybody else may not". Extend it here and every matrix test follows.
/// </summary>
public static class AccessMatrix
{
    private static readonly Who[] Everyone = Enum.GetValues<Who>();

    /// <summary>Callers with no working identity: they reach the policy as anonymous.</summary>
    public static readonly Who[] Unidentified = [Who.Anonymous, Who.DisabledUser, Who.RevokedToken, Who.ExpiredToken];

    private static readonly Who[] SignedIn = Everyone.Except(Unidentified).ToArray();
    private static readonly Who[] Insiders = [Who.CollectionOwner, Who.TeamMember, Who.TeamOwner, Who.Admin];
    private static readonly Who[] Managers = [Who.CollectionOwner, Who.Admin];
    // Readers see and pull a private collection; they push, tag and delete nowhere they are only readers.
    private static readonly Who[] Readers = [.. Insiders, Who.CollectionReader];

    public static readonly IReadOnlyDictionary<(bool IsPrivate, CollectionAction Action), Who[]> Allowed =
        new Dictionary<(bool, CollectionAction), Who[]>
        {
            [(true, CollectionAction.View)] = Readers,
            [(true, CollectionAction.Pull)] = Readers,
            [(true, CollectionAction.Push)] = Insiders,
            [(true, CollectionAction.DeleteImage)] = Insiders,
            [(true, CollectionAction.Edit)] = Managers,
            [(true, CollectionAction.Delete)] = Managers,
            [(true, CollectionAction.AssignTeams)] = Managers,
            [(true, CollectionAction.ManageReaders)] = Managers,
            [(true, CollectionAction.Star)] = Readers,
            [(false, CollectionAction.View)] = Everyone,
            [(false, CollectionAction.Pull)] = Everyone,
            [(false, CollectionAction.Push)] = Insiders,
            [(false, CollectionAction.DeleteImage)] = Insiders,
            [(false, CollectionAction.Edit)] = Managers,
            [(false, CollectionAction.Delete)] = Managers,
            [(false, CollectionAction.AssignTeams)] = Managers,
            [(false, CollectionAction.ManageReaders)] = Managers,
            [(false, CollectionAction.Star)] = SignedIn,
        };

    /// <summary>Team actions on an invite-only team ("crew", which TeamOwner owns and TeamMember belongs to) and an open one nobody here belongs to.</summary>
    public static readonly IReadOnlyDictionary<(bool OpenTeam, TeamAction Action), Who[]> TeamAllowed =
        new Dictionary<(bool, TeamAction), Who[]>
        {
            [(false, TeamAction.View)] = Everyone,
            [(false, TeamAction.Join)] = [],
            [(false, TeamAction.Manage)] = [Who.TeamOwner, Who.Admin],
            [(false, TeamAction.ViewUsage)] = [Who.TeamMember, Who.TeamOwner, Who.Admin],
            [(true, TeamAction.View)] = Everyone,
            [(true, TeamAction.Join)] = [Who.Stranger, Who.TeamMember, Who.TeamOwner, Who.CollectionOwner, Who.CollectionReader, Who.Admin],
            [(true, TeamAction.Manage)] = [Who.Admin],
            [(true, TeamAction.ViewUsage)] = [Who.Admin],
        };

    /// <summary>
    /// Charging olive's collections to "crew" (owned by tom) needs an owner of both, so only an admin here; once charged,
    /// either side's owner may move it back.
    /// </summary>
    public static readonly IReadOnlyDictionary<(bool IsPrivate, ChargeAction Action), Who[]> ChargeAllowed =
        new Dictionary<(bool, ChargeAction), Who[]>
        {
            [(true, ChargeAction.ChargeToTeam)] = [Who.Admin],
            [(true, ChargeAction.ChargeBackToOwner)] = [Who.CollectionOwner, Who.TeamOwner, Who.Admin],
            [(false, ChargeAction.ChargeToTeam)] = [Who.Admin],
            [(false, ChargeAction.ChargeBackToOwner)] = [Who.CollectionOwner, Who.TeamOwner, Who.Admin],
        };

    /// <summary>Actions that are not about one collection or team.</summary>
    public static readonly IReadOnlyDictionary<RegistryAction, Who[]> RegistryAllowed = new Dictionary<RegistryAction, Who[]>
    {
        [RegistryAction.CreateCollection] = SignedIn,
        [RegistryAction.CreateTeam] = SignedIn,
        [RegistryAction.ListUsers] = [Who.Admin],
        [RegistryAction.DisableUser] = [Who.Admin],
        [RegistryAction.PromoteUser] = [Who.Admin],
        [RegistryAction.SetUserQuota] = [Who.Admin],
        [RegistryAction.SetTeamQuota] = [Who.Admin],
        [RegistryAction.CollectGarbage] = [Who.Admin],
    };

    /// <summary>
    /// Keyserver actions on a key that olive (the collection owner) published. Publishing a new key needs a signed-in
    /// caller; lookups are public and need no row.
    /// </summary>
    public static readonly IReadOnlyDictionary<KeyAction, Who[]> KeyAllowed = new Dictionary<KeyAction, Who[]>
    {
        [KeyAction.Update] = [Who.CollectionOwner],
        [KeyAction.Remove] = [Who.CollectionOwner, Who.Admin],
    };

    public static readonly Who[] PublishKeyAllowed = SignedIn;

    public static TheoryData<KeyAction, Who> KeyCells()
    {
        var data = new TheoryData<KeyAction, Who>();
        foreach (var action in KeyAllowed.Keys)
        {
            foreach (var who in Everyone)
            {
                data.Add(action, who);
            }
        }
        return data;
    }

    public static bool Expects(bool isPrivate, CollectionAction action, Who who) => Allowed[(isPrivate, action)].Contains(who);

    public static TheoryData<bool, CollectionAction, Who> CollectionCells()
    {
        var data = new TheoryData<bool, CollectionAction, Who>();
        foreach (var ((isPrivate, action), _) in Allowed)
        {
            foreach (var who in Everyone)
            {
                data.Add(isPrivate, action, who);
            }
        }
        return data;
    }

    public static TheoryData<RegistryAction, Who> RegistryCells()
    {
        var data = new TheoryData<RegistryAction, Who>();
        foreach (var action in RegistryAllowed.Keys)
        {
            foreach (var who in Everyone)
            {
                data.Add(action, who);
            }
        }
        return data;
    }

    public static TheoryData<bool, ChargeAction, Who> ChargeCells()
    {
        var data = new TheoryData<bool, ChargeAction, Who>();
        foreach (var ((isPrivate, action), _) in ChargeAllowed)
        {
            foreach (var who in Everyone)
            {
                data.Add(isPrivate, action, who);
            }
        }
        return data;
    }

    public static TheoryData<bool, TeamAction, Who> TeamCells()
    {
        var data = new TheoryData<bool, TeamAction, Who>();
        foreach (var ((open, action), _) in TeamAllowed)
        {
            foreach (var who in Everyone)
            {
                data.Add(open, action, who);
            }
        }
        return data;
    }
}
