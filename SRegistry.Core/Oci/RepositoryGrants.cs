using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Oci;

/// <summary>The OCI actions a registry token can carry (docs/protocol/oci.md#auth).</summary>
public static class OciActions
{
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    public static readonly IReadOnlySet<string> None = new HashSet<string>(StringComparer.Ordinal);

    public static readonly IReadOnlyList<string> All = [Pull, Push, Delete];

    public static bool IsKnown(string action) => action is Pull or Push or Delete;
}

/// <summary>
/// The one place that turns the access policy into OCI actions on a repository: what a registry token may be granted
/// at <c>/v2/token</c> and <c>/v1/oci-redirect</c>, and what the OCI endpoints let a caller do (<c>Web/Api/Oci/OciGate</c>). Anything the caller may
/// not see gets nothing, exactly as if it did not exist.
/// </summary>
public sealed class RepositoryGrants(RegistryDbContext db, CollectionAccess access, IOptions<RegistryOptions> options)
{
    /// <summary>
    /// The subset of pull, push and delete <paramref name="who"/> may do on <paramref name="repository"/>. An existing
    /// collection is judged by the policy (a frozen container refuses push and delete but to admins) once the entity
    /// segment names it as in the library (<see cref="CollectionAccess.EntityNames"/>); a collection nobody has yet gets
    /// all three for someone whose push would create it in that namespace.
    /// </summary>
    public async Task<IReadOnlySet<string>> ActionsAsync(Principal who, string repository, CancellationToken ct = default)
    {
        var name = OciNames.ParseRepository(repository);
        if (name is null)
        {
            return OciActions.None;
        }
        var visible = await access.FindVisibleAsync(who, name.Collection, ct);
        if (visible is null)
        {
            return await MayCreateAsync(who, name, ct) ? new HashSet<string>(OciActions.All, StringComparer.Ordinal) : OciActions.None;
        }
        var collection = visible.Collection;
        if (!CollectionAccess.EntityNames(name.Entity, who, collection.Owner!.Username, visible.TeamNames, visible.Facts))
        {
            return OciActions.None;
        }
        var granted = new HashSet<string>(StringComparer.Ordinal);
        if (AccessPolicy.Can(who, CollectionAction.Pull, visible.Facts))
        {
            granted.Add(OciActions.Pull);
        }
        var container = await db.Containers.AsNoTracking()
            .FirstOrDefaultAsync(c => c.CollectionId == collection.Id && c.Name == name.Container, ct);
        if (container is null)
        {
            // The container is made by the first push, under the collection's rule.
            AddIf(granted, OciActions.Push, AccessPolicy.Can(who, CollectionAction.Push, visible.Facts));
            AddIf(granted, OciActions.Delete, AccessPolicy.Can(who, CollectionAction.DeleteImage, visible.Facts));
            return granted;
        }
        var found = new VisibleContainer(container, collection, visible.Facts);
        AddIf(granted, OciActions.Push, CollectionAccess.RefuseChange(who, CollectionAction.Push, found) is null);
        AddIf(granted, OciActions.Delete, CollectionAccess.RefuseChange(who, CollectionAction.DeleteImage, found) is null);
        return granted;
    }

    /// <summary>
    /// The full repository name for what a library client typed (<c>mapped=1</c> of /v1/oci-redirect): three segments
    /// as they are; <c>collection/container</c> and <c>container</c> (in the default collection) under the collection's
    /// owner when the caller can see it, else under the caller's own name, where their push would create it. Null when
    /// there is no such name (invalid, or anonymous and nothing visible).
    /// </summary>
    public async Task<string?> ExpandAsync(Principal who, string? reference, CancellationToken ct = default)
    {
        var segments = (reference ?? "").Split('/');
        if (segments.Length == 3)
        {
            return OciNames.ParseRepository(reference)?.ToString();
        }
        if (segments.Length > 2)
        {
            return null;
        }
        var collection = segments.Length == 2 ? segments[0] : options.Value.DefaultCollection;
        var container = segments[^1];
        if (LibraryRef.Validate(null, collection, container) is not null)
        {
            return null;
        }
        var visible = await access.FindVisibleAsync(who, collection, ct);
        var entity = visible?.Collection.Owner?.Username ?? who.Username;
        return entity is null ? null : new RepositoryName(entity, collection, container).ToString();
    }

    /// <summary>
    /// Whether a push may create this collection: none of that name exists (hidden ones included), pushes create
    /// collections here, the default collection is left to admins, and the entity is the caller or a team of theirs
    /// (as <c>LibraryCollections.CreateCollectionAsync</c> decides for the library push).
    /// </summary>
    private async Task<bool> MayCreateAsync(Principal who, RepositoryName name, CancellationToken ct)
    {
        if (!AccessPolicy.CanCreateCollection(who) || !options.Value.AutoCreateCollections
            || (name.Collection == options.Value.DefaultCollection && !who.IsAdmin))
        {
            return false;
        }
        if (await db.Collections.AsNoTracking().AnyAsync(c => c.Name == name.Collection, ct))
        {
            return false;
        }
        if (name.Entity == who.Username)
        {
            return true;
        }
        var teamId = await db.Teams.AsNoTracking().Where(t => t.Name == name.Entity).Select(t => t.Id).FirstOrDefaultAsync(ct);
        return teamId is not null && (who.TeamIds.Contains(teamId) || who.IsAdmin);
    }

    private static void AddIf(HashSet<string> granted, string action, bool allowed)
    {
        if (allowed)
        {
            granted.Add(action);
        }
    }
}
