using SRegistry.Core.Model;

namespace SRegistry.Core.Access;

/// <summary>
/// Everything the policy needs to know about a collection: its owner, privacy, assigned teams (push, and sight while
/// private) and readers (user ids that may see and pull it while private, nothing more).
/// </summary>
public sealed record CollectionFacts(string OwnerId, bool IsPrivate, IReadOnlySet<string> TeamIds, IReadOnlySet<string> ReaderIds)
{
    public static readonly IReadOnlySet<string> None = new HashSet<string>();

    /// <summary>Facts from loaded ids; most collections have no teams or readers, and then share one empty set (cached lookups keep them).</summary>
    public static CollectionFacts Of(string ownerId, bool isPrivate, IEnumerable<string> teamIds, IEnumerable<string> readerIds)
    {
        var teams = teamIds.ToHashSet(StringComparer.Ordinal);
        var readers = readerIds.ToHashSet(StringComparer.Ordinal);
        return new CollectionFacts(ownerId, isPrivate, teams.Count == 0 ? None : teams, readers.Count == 0 ? None : readers);
    }
}

/// <summary>Everything the policy needs to know about a team.</summary>
public sealed record TeamFacts(string TeamId, TeamJoinMode JoinMode);

public enum CollectionAction
{
    /// <summary>See it at all: lists, search, pages, API lookups. Private collections are invisible without it.</summary>
    View,
    Pull,
    Push,
    /// <summary>Delete an image or move a tag away: whoever may push may replace, so they may remove.</summary>
    DeleteImage,
    Edit,
    Delete,
    AssignTeams,
    /// <summary>Grant or withdraw read-only access for a user (collection readers).</summary>
    ManageReaders,
    /// <summary>Star or unstar it: any signed-in user who can see it.</summary>
    Star,
}

public enum TeamAction
{
    View,
    Join,
    Manage,
    /// <summary>See the team's storage use against its quota: its members (who push into its collections) and admins.</summary>
    ViewUsage,
}

/// <summary>Everything the policy needs to know about a key on the keyserver.</summary>
public sealed record KeyFacts(string UploaderId);

/// <summary>What may be done to a published key. Lookups are public: keys exist to be found.</summary>
public enum KeyAction
{
    /// <summary>Push the same fingerprint again (merged into the stored key); nobody may overwrite another account's key.</summary>
    Update,
    Remove,
}

/// <summary>
/// The one place that decides who may do what. Pure: it judges facts, it does not fetch them,
/// so the library API, the UI and the tests all ask the same question the same way.
/// </summary>
public static class AccessPolicy
{
    public static bool CanCreateCollection(Principal who) => who.IsAuthenticated;

    public static bool CanCreateTeam(Principal who) => who.IsAuthenticated;

    public static bool CanAdminister(Principal who) => who.IsAdmin;

    public static bool CanPublishKey(Principal who) => who.IsAuthenticated;

    /// <summary>
    /// Taking over a key another account published: only someone whose verified e-mail is on one of the key's
    /// self-signed user IDs, so the first pusher of a fingerprint cannot squat a key that is not theirs.
    /// </summary>
    public static bool CanClaimKey(Principal who, KeyFacts key, bool verifiedEmailOnKey) =>
        who.IsAuthenticated && who.UserId != key.UploaderId && verifiedEmailOnKey;

    /// <summary>
    /// A revocation signed by the key itself is merged whoever pushes it: only the key's holder can make one, and
    /// refusing it would keep a compromised key trusted. The key stays its publisher's.
    /// </summary>
    public static bool CanMergeSelfRevocation(Principal who) => who.IsAuthenticated;

    public static bool Can(Principal who, KeyAction action, KeyFacts key)
    {
        var isUploader = who.UserId is not null && who.UserId == key.UploaderId;
        return action switch
        {
            KeyAction.Update => isUploader,
            KeyAction.Remove => isUploader || who.IsAdmin,
            _ => false,
        };
    }

    /// <summary>
    /// Count a collection's storage against a team's quota: only someone who both controls the collection and
    /// manages the team, so nobody spends a quota that is not theirs to spend. Moving it back to the owner is
    /// allowed to either side.
    /// </summary>
    public static bool CanChargeToTeam(Principal who, CollectionFacts collection, TeamFacts team) =>
        Can(who, CollectionAction.AssignTeams, collection) && Can(who, TeamAction.Manage, team);

    public static bool CanStopChargingTeam(Principal who, CollectionFacts collection, TeamFacts team) =>
        Can(who, CollectionAction.AssignTeams, collection) || Can(who, TeamAction.Manage, team);

    public static bool Can(Principal who, CollectionAction action, CollectionFacts collection)
    {
        if (who.IsAdmin)
        {
            return true;
        }
        var isOwner = who.UserId is not null && who.UserId == collection.OwnerId;
        var inAssignedTeam = collection.TeamIds.Overlaps(who.TeamIds);
        var isReader = who.UserId is not null && collection.ReaderIds.Contains(who.UserId);
        var canView = !collection.IsPrivate || isOwner || inAssignedTeam || isReader;
        return action switch
        {
            CollectionAction.View or CollectionAction.Pull => canView,
            CollectionAction.Star => who.IsAuthenticated && canView,
            // Readers see and pull only: pushing, tagging and deleting stay with the owner and the assigned teams.
            CollectionAction.Push or CollectionAction.DeleteImage => isOwner || inAssignedTeam,
            CollectionAction.Edit or CollectionAction.Delete or CollectionAction.AssignTeams or CollectionAction.ManageReaders => isOwner,
            _ => false,
        };
    }

    /// <summary>
    /// Pushing, moving or removing tags and deleting images in a container: the collection's rule, and a frozen container
    /// (sregistry's "freeze") keeps its images and tags as they are for everyone but admins.
    /// </summary>
    public static bool CanChangeContainer(Principal who, CollectionAction action, CollectionFacts collection, bool isFrozen) =>
        Can(who, action, collection) && (!isFrozen || who.IsAdmin);

    /// <summary>Freezing and unfreezing a container is its collection owner's call, like editing the collection.</summary>
    public static bool CanFreeze(Principal who, CollectionFacts collection) => Can(who, CollectionAction.Edit, collection);

    public static bool Can(Principal who, TeamAction action, TeamFacts team)
    {
        if (!who.IsAuthenticated)
        {
            return action == TeamAction.View;
        }
        return action switch
        {
            TeamAction.View => true,
            TeamAction.Join => !who.TeamIds.Contains(team.TeamId) && team.JoinMode == TeamJoinMode.Open,
            TeamAction.Manage => who.IsAdmin || who.OwnedTeamIds.Contains(team.TeamId),
            TeamAction.ViewUsage => who.IsAdmin || who.TeamIds.Contains(team.TeamId),
            _ => false,
        };
    }
}
