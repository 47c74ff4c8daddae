using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Keys;
using SRegistry.Core.Library;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Browsing;

/// <summary>One stored image as the container page lists it; each signer with its key on this keyserver, where known.</summary>
public sealed record ImageRow(string Id, string Hash, string Arch, long Size, DateTimeOffset CreatedAt, long Downloads,
    IReadOnlyList<SignerIdentity> Signers, IReadOnlyList<string> Tags, string Description = "")
{
    public bool IsSigned => Signers.Count > 0;

    /// <summary>What <c>push -D</c> said, or nothing: the client's placeholder "No description" says nothing.</summary>
    public string? PushDescription =>
        string.IsNullOrWhiteSpace(Description) || Description.Trim().Equals("No description", StringComparison.OrdinalIgnoreCase) ? null : Description;
}

public sealed record ContainerDetails(string Collection, string Name, string Description, string Owner, bool IsPrivate,
    long Downloads, DateTimeOffset UpdatedAt, IReadOnlyList<ImageRow> Images, bool CanDelete, bool IsFrozen = false, bool CanFreeze = false)
{
    public IEnumerable<string> Architectures => Images.Select(i => i.Arch).Distinct().Order(StringComparer.Ordinal);
}

/// <summary>A container's images and tags for the dashboard, and the deletions its owners make there.</summary>
public sealed class ContainerBrowsing(RegistryDbContext db, CollectionAccess access, ImageCatalog images, PublishedKeys keys, AuditLog audit)
{
    public async Task<Outcome<ContainerDetails>> DetailsAsync(Principal who, string? collection, string? container, CancellationToken ct = default)
    {
        var found = await access.FindVisibleContainerAsync(who, collection, container, ct);
        if (found is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        var (c, _, facts) = found;
        var stored = await db.Images.AsNoTracking().Where(i => i.ContainerId == c.Id && i.IsUploaded)
            .OrderByDescending(i => i.CreatedAt).ToListAsync(ct);
        var tags = (await db.Tags.AsNoTracking().Where(t => t.ContainerId == c.Id).Select(t => new { t.ImageId, t.Name }).ToListAsync(ct))
            .ToLookup(t => t.ImageId, t => t.Name);
        var signers = await keys.IdentifySignersAsync(stored.SelectMany(SignerFingerprints), ct);
        var rows = stored.Select(i => new ImageRow(i.Id, i.Hash, i.Arch ?? NameRules.DefaultArch, i.Size, i.CreatedAt, i.DownloadCount,
                [.. SignerFingerprints(i).Select(fp => signers.TryGetValue(fp, out var known) ? known : new SignerIdentity(fp, null, null))],
                tags[i.Id].Order(StringComparer.Ordinal).ToList(), i.Description))
            .ToList();
        return new ContainerDetails(c.Collection!.Name, c.Name, c.Description, c.Collection.Owner!.Username, c.Collection.IsPrivate,
            c.DownloadCount, c.UpdatedAt, rows, AccessPolicy.CanChangeContainer(who, CollectionAction.DeleteImage, facts, c.IsReadOnly),
            c.IsReadOnly, AccessPolicy.CanFreeze(who, facts));
    }

    /// <summary>Freezes (or unfreezes) a container: frozen, its images and tags change only by an admin's hand.</summary>
    public async Task<Outcome<bool>> SetFrozenAsync(Principal who, string? collection, string? container, bool frozen, CancellationToken ct = default)
    {
        var found = await access.FindVisibleContainerAsync(who, collection, container, ct);
        if (found is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        if (!AccessPolicy.CanFreeze(who, found.Facts))
        {
            return Problem.Forbidden($"only the owner of '{collection}' can freeze or unfreeze its containers");
        }
        var id = found.Container.Id;
        return await audit.ChangeAsync<bool>(async () =>
        {
            var changed = await db.Containers.Where(c => c.Id == id && c.IsReadOnly != frozen).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReadOnly, frozen), ct);
            if (changed == 1)
            {
                audit.Record(who, frozen ? AuditActions.ContainerFreeze : AuditActions.ContainerUnfreeze, $"{collection}/{container}");
            }
            return frozen;
        }, ct);
    }

    /// <summary>Removes one tag; the image stays, reachable by hash and its other tags.</summary>
    public async Task<Outcome<bool>> RemoveTagAsync(Principal who, string? collection, string? container, string? arch, string? tag,
        CancellationToken ct = default)
    {
        var allowed = await FindDeletableAsync(who, collection, container, ct);
        if (!allowed.Succeeded)
        {
            return new Outcome<bool>(false, allowed.Failure, allowed.Message);
        }
        var containerId = allowed.Value!;
        if (await db.Tags.AnyAsync(t => t.ContainerId == containerId && t.Arch == arch && t.Name == tag && t.IsFrozen, ct))
        {
            return Problem.Conflict($"tag '{tag}' ({arch}) is frozen: it cannot be removed");
        }
        return await audit.ChangeAsync<bool>(async () =>
        {
            var image = await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId && t.Arch == arch && t.Name == tag)
                .Select(t => t.Image!.Hash).FirstOrDefaultAsync(ct);
            var removed = await db.Tags.Where(t => t.ContainerId == containerId && t.Arch == arch && t.Name == tag).ExecuteDeleteAsync(ct);
            if (removed != 1)
            {
                return Problem.NotFound($"tag '{tag}' ({arch}) not found");
            }
            // An index pushed over OCI under this name would still list the removed architecture.
            await db.OciTags.Where(t => t.ContainerId == containerId && t.Name == tag).ExecuteDeleteAsync(ct);
            audit.Record(who, AuditActions.TagRemove, $"{collection}/{container}:{tag}", $"{arch}, was {image}");
            return true;
        }, ct);
    }

    /// <summary>Deletes an image with every tag pointing at it; its blob goes when nothing else references it.</summary>
    public async Task<Outcome<bool>> DeleteImageAsync(Principal who, string? collection, string? container, string? imageId,
        CancellationToken ct = default)
    {
        var allowed = await FindDeletableAsync(who, collection, container, ct);
        if (!allowed.Succeeded)
        {
            return new Outcome<bool>(false, allowed.Failure, allowed.Message);
        }
        var containerId = allowed.Value!;
        var hash = await db.Images.AsNoTracking().Where(i => i.Id == imageId && i.ContainerId == containerId).Select(i => i.Hash).FirstOrDefaultAsync(ct);
        if (hash is null)
        {
            return Problem.NotFound("image not found");
        }
        if (await images.HasFrozenTagAsync(imageId!, ct))
        {
            return Problem.Conflict("the image has a frozen tag: it cannot be deleted");
        }
        await images.RemoveImageAsync(who, imageId!, hash, ct);
        return true;
    }

    private static string[] SignerFingerprints(Model.Image image) => image.SignerFingerprints.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task<Outcome<string>> FindDeletableAsync(Principal who, string? collection, string? container, CancellationToken ct)
    {
        var found = await access.FindVisibleContainerAsync(who, collection, container, ct);
        if (found is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        if (CollectionAccess.RefuseChange(who, CollectionAction.DeleteImage, found) is { } refused)
        {
            return refused;
        }
        return found.Container.Id;
    }
}
