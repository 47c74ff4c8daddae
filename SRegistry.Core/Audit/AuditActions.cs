namespace SRegistry.Core.Audit;

/// <summary>
/// The fixed set of actions the audit trail records, as stored in <c>AuditEvent.Action</c> and exported. Names are
/// <c>thing.verb</c>, stable once released: scripts filter exports by them.
/// </summary>
public static class AuditActions
{
    public const string ImagePush = "image.push";
    public const string ImageDelete = "image.delete";
    public const string TagSet = "tag.set";
    public const string TagRemove = "tag.remove";
    public const string CollectionCreate = "collection.create";
    public const string CollectionDelete = "collection.delete";
    public const string CollectionVisibility = "collection.visibility";
    public const string CollectionDescription = "collection.description";
    public const string CollectionPublish = "collection.publish";
    public const string CollectionTeamAssign = "collection.team.assign";
    public const string CollectionTeamUnassign = "collection.team.unassign";
    public const string CollectionCharge = "collection.charge";
    public const string CollectionReaderAdd = "collection.reader.add";
    public const string CollectionReaderRemove = "collection.reader.remove";
    public const string ContainerCreate = "container.create";
    public const string ContainerFreeze = "container.freeze";
    public const string ContainerUnfreeze = "container.unfreeze";
    public const string TeamCreate = "team.create";
    public const string TeamDelete = "team.delete";
    public const string TeamUpdate = "team.update";
    public const string TeamJoinMode = "team.joinmode";
    public const string MemberJoin = "member.join";
    public const string MemberAdd = "member.add";
    public const string MemberRole = "member.role";
    public const string MemberLeave = "member.leave";
    public const string MemberRemove = "member.remove";
    public const string InviteCreate = "invite.create";
    public const string InviteAccept = "invite.accept";
    public const string InviteRevoke = "invite.revoke";
    public const string TokenCreate = "token.create";
    public const string TokenRevoke = "token.revoke";
    public const string KeyPublish = "key.publish";
    public const string KeyRemove = "key.remove";
    public const string UserCreate = "user.create";
    public const string UserAdmin = "user.admin";
    public const string UserDisable = "user.disable";
    public const string QuotaUser = "quota.user";
    public const string QuotaTeam = "quota.team";
    public const string GarbageCollect = "gc.run";
    public const string ImportRun = "import.run";

    /// <summary>Every action, in the order the admin area offers them as filters.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ImagePush, ImageDelete, TagSet, TagRemove,
        CollectionCreate, CollectionDelete, CollectionVisibility, CollectionDescription, CollectionPublish,
        CollectionTeamAssign, CollectionTeamUnassign, CollectionCharge, CollectionReaderAdd, CollectionReaderRemove,
        ContainerCreate, ContainerFreeze, ContainerUnfreeze,
        TeamCreate, TeamDelete, TeamUpdate, TeamJoinMode,
        MemberJoin, MemberAdd, MemberRole, MemberLeave, MemberRemove,
        InviteCreate, InviteAccept, InviteRevoke,
        TokenCreate, TokenRevoke, KeyPublish, KeyRemove,
        UserCreate, UserAdmin, UserDisable, QuotaUser, QuotaTeam,
        GarbageCollect, ImportRun,
    ];

    public static bool IsKnown(string? action) => action is not null && All.Contains(action, StringComparer.Ordinal);
}
