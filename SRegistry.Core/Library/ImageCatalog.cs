using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Core.Statistics;

namespace SRegistry.Core.Library;

/// <summary>Images and tags: resolving references, creating image records, moving tags, deleting.</summary>
public sealed class ImageCatalog(RegistryDbContext db, LibraryContainers containers, CollectionAccess access, IBlobStore blobs, BlobLocks blobLocks,
    TimeProvider clock, ImageLookup lookup, QuotaAccounting quotas, AuditLog audit)
{
    private static readonly Func<RegistryDbContext, string, IAsyncEnumerable<string>> TagNames =
        EF.CompileAsyncQuery((RegistryDbContext db, string imageId) => db.Tags.AsNoTracking().Where(t => t.ImageId == imageId).OrderBy(t => t.Name).Select(t => t.Name));

    /// <summary>Resolves <c>ref:tag</c> or <c>ref:sha256.hex</c> the way pull and push look images up (docs/protocol/library.md#l7).</summary>
    public Task<Outcome<ImageView>> ResolveAsync(Principal who, string? path, string? arch, CancellationToken ct = default) =>
        lookup.ResolveAsync(who, path, arch, ct);

    /// <summary>Creates the record for an image about to be uploaded (docs/protocol/library.md#l8). Bytes arrive later.</summary>
    public async Task<Outcome<ImageView>> CreateAsync(Principal who, string? containerId, string? hash, string? description, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsImageHash(hash))
        {
            return Problem.Invalid("invalid image hash: expected sha256.<64 lower-case hex digits>");
        }
        var container = await LoadPushableContainerAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        var (row, collection) = container.Value;
        var existing = await db.Images.AsNoTracking().FirstOrDefaultAsync(i => i.ContainerId == row.Id && i.Hash == hash, ct);
        if (existing is not null)
        {
            return await ToViewAsync(existing, row, collection, ct);
        }
        var now = clock.GetUtcNow();
        var image = new Image
        {
            ContainerId = row.Id,
            Hash = hash!,
            Description = Descriptions.Clean(description),
            CreatedById = who.UserId!,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Skip the upload only when the caller could already pull these bytes: knowing a hash is not proof of having the file.
        var readable = await FindReadableUploadedAsync(who, hash!, ct);
        if (readable is null)
        {
            return await ToViewAsync(await InsertAsync(image, ct), row, collection, ct);
        }
        // Under the blob's lock: a delete or garbage collection cannot remove the bytes between this check and the insert.
        await using (await blobLocks.AcquireAsync(HexOf(hash!), ct))
        {
            if (!await blobs.ExistsAsync(HexOf(hash!), ct))
            {
                return await ToViewAsync(await InsertAsync(image, ct), row, collection, ct);
            }
            image.IsUploaded = true;
            image.Size = readable.Size;
            image.Arch = readable.Arch;
            image.IsSigned = readable.IsSigned;
            image.SignerFingerprints = readable.SignerFingerprints;
            // Linked bytes count against this collection's quota like uploaded ones, so they are admitted the same way.
            var linked = await quotas.AdmitAsync(collection.Id, readable.Size, image.Id, () =>
            {
                // A push whose bytes the registry already holds completes here, without an upload.
                audit.Record(who, AuditActions.ImagePush, ImagePath(collection.Name, row.Name, image.Hash), PushDetails(image, "linked to stored bytes"));
                return InsertAsync(image, ct);
            }, ct);
            if (linked.Succeeded)
            {
                RegistryMetrics.Pushes.Add(1);
            }
            return linked.Succeeded ? await ToViewAsync(linked.Value!, row, collection, ct) : new Problem(linked.Failure, linked.Message);
        }
    }

    private async Task<Image> InsertAsync(Image image, CancellationToken ct)
    {
        db.Images.Add(image);
        try
        {
            await db.SaveChangesAsync(ct);
            return image;
        }
        catch (DbUpdateException e) when (StorageFaults.IsUniqueViolation(e))
        {
            // A concurrent push of the same file to this container created it first.
            db.ChangeTracker.Clear();
            return await db.Images.AsNoTracking().FirstAsync(i => i.ContainerId == image.ContainerId && i.Hash == image.Hash, ct);
        }
    }

    public async Task<Outcome<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>> ArchTagsAsync(Principal who, string? containerId,
        CancellationToken ct = default)
    {
        var container = await containers.FindContainerByIdAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        return Outcome(container.Value!.ArchTags);
    }

    public async Task<Outcome<IReadOnlyDictionary<string, string>>> ArchBlindTagsAsync(Principal who, string? containerId, CancellationToken ct = default)
    {
        var container = await containers.FindContainerByIdAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        var tags = await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId).ToListAsync(ct);
        return Outcome(TagMaps.ArchBlind(tags));
    }

    /// <summary>Points a tag at an image (docs/protocol/library.md#l11, #l13). A null arch is the old arch-blind call: the image's own arch is used.</summary>
    public async Task<Outcome<Image>> SetTagAsync(Principal who, string? containerId, string? arch, string? tag, string? imageId,
        CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        if (!NameRules.IsTag(tag))
        {
            return Problem.Invalid($"invalid tag '{LibraryRef.Shorten(tag ?? "")}': {NameRules.TagRule}");
        }
        if (arch is not null && !NameRules.IsArch(arch))
        {
            return Problem.Invalid($"unknown architecture '{LibraryRef.Shorten(arch)}'; use one of {string.Join(", ", NameRules.Architectures)}");
        }
        var container = await LoadPushableContainerAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        var image = string.IsNullOrEmpty(imageId) ? null : await db.Images.FirstOrDefaultAsync(i => i.Id == imageId, ct);
        if (image is null || image.ContainerId != containerId)
        {
            return Problem.Invalid("the image to tag does not belong to this container");
        }
        if (!image.IsUploaded)
        {
            return Problem.Invalid("the image has not been uploaded yet; push it again");
        }
        if (arch is not null && image.Arch is not null && image.Arch != arch)
        {
            return Problem.Invalid($"the image is built for {image.Arch}, not {arch}");
        }
        image.Arch ??= arch ?? NameRules.DefaultArch;
        var imageArch = image.Arch;
        if (await db.Tags.AnyAsync(t => t.ContainerId == image.ContainerId && t.Arch == imageArch && t.Name == tag && t.IsFrozen && t.ImageId != image.Id, ct))
        {
            return Problem.Conflict($"tag '{tag}' ({imageArch}) is frozen: it cannot be moved to another image");
        }
        var target = $"{container.Value.Collection.Name}/{container.Value.Container.Name}:{tag}";
        await UpsertTagAsync(image, tag!, () => audit.Record(who, AuditActions.TagSet, target, $"{imageArch} → {image.Hash}"), ct);
        return image;
    }

    /// <summary>Deletes the image a reference resolves to, with every tag pointing at it; frees the blob when nothing else uses it.</summary>
    public async Task<Outcome<ImageView>> DeleteAsync(Principal who, string? path, string? arch, CancellationToken ct = default)
    {
        if (!who.IsAuthenticated)
        {
            return Problem.Unauthenticated();
        }
        var resolved = await ResolveAsync(who, path, arch, ct);
        if (!resolved.Succeeded)
        {
            return resolved;
        }
        var view = resolved.Value!;
        var facts = await access.FactsAsync(view.Collection, ct);
        if (CollectionAccess.RefuseChange(who, CollectionAction.DeleteImage, new VisibleContainer(view.Container, view.Collection, facts)) is { } refused)
        {
            return refused;
        }
        if (await HasFrozenTagAsync(view.Image.Id, ct))
        {
            return Problem.Conflict("the image has a frozen tag: it cannot be deleted");
        }
        await RemoveImageAsync(who, view.Image.Id, view.Image.Hash, ct);
        return view;
    }

    internal Task<bool> HasFrozenTagAsync(string imageId, CancellationToken ct) => db.Tags.AnyAsync(t => t.ImageId == imageId && t.IsFrozen, ct);

    /// <summary>Deletes an image row (its tags cascade) and then its blob if no other image shares the bytes.</summary>
    internal async Task RemoveImageAsync(Principal who, string imageId, string hash, CancellationToken ct)
    {
        await audit.ChangeAsync<bool>(async () =>
        {
            var gone = await db.Images.AsNoTracking().Where(i => i.Id == imageId)
                .Select(i => new { Collection = i.Container!.Collection!.Name, Container = i.Container.Name, i.Arch, i.Size }).FirstOrDefaultAsync(ct);
            var tags = await db.Tags.AsNoTracking().Where(t => t.ImageId == imageId).Select(t => t.Name).OrderBy(n => n).ToListAsync(ct);
            if (gone is null || await db.Images.Where(i => i.Id == imageId).ExecuteDeleteAsync(ct) == 0)
            {
                return true;
            }
            audit.Record(who, AuditActions.ImageDelete, ImagePath(gone.Collection, gone.Container, hash),
                $"{gone.Arch ?? "arch unknown"}, {ByteCount.Format(gone.Size)}, tags: {(tags.Count == 0 ? "none" : string.Join(", ", tags))}");
            return true;
        }, ct);
        await DeleteBlobIfUnusedAsync(hash, ct);
    }

    /// <summary>How the audit trail names an image: <c>collection/container@sha256.hex</c>.</summary>
    internal static string ImagePath(string collection, string container, string hash) => $"{collection}/{container}@{hash}";

    internal static string PushDetails(Image image, string how) =>
        $"{image.Arch ?? "arch unknown"}, {ByteCount.Format(image.Size)}{(image.IsSigned ? ", signed" : "")}, {how}";

    internal async Task DeleteBlobIfUnusedAsync(string hash, CancellationToken ct)
    {
        var hex = HexOf(hash);
        await using (await blobLocks.AcquireAsync(hex, ct))
        {
            // An OCI repository may link the same bytes: they stay while anything refers to them.
            if (!await db.Images.AnyAsync(i => i.Hash == hash, ct) && !await db.OciBlobLinks.AnyAsync(l => l.Hex == hex, ct))
            {
                await blobs.DeleteAsync(hex, ct);
            }
        }
    }

    private async Task UpsertTagAsync(Image image, string tag, Action record, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.Tags.FirstOrDefaultAsync(t => t.ContainerId == image.ContainerId && t.Arch == image.Arch && t.Name == tag, ct);
            if (existing is null)
            {
                db.Tags.Add(new Tag { ContainerId = image.ContainerId, Arch = image.Arch!, Name = tag, ImageId = image.Id, UpdatedAt = now });
            }
            else
            {
                existing.ImageId = image.Id;
                existing.UpdatedAt = now;
            }
            image.UpdatedAt = now;
            // The library moved the tag: an index pushed over OCI under this name no longer says what it means.
            await db.OciTags.Where(t => t.ContainerId == image.ContainerId && t.Name == tag).ExecuteDeleteAsync(ct);
            record();
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException e) when (attempt < 3 && StorageFaults.IsUniqueViolation(e))
            {
                audit.ForgetPending();
                // Another push created the same tag at the same moment: last writer wins, so retry as an update.
                foreach (var entry in db.ChangeTracker.Entries<Tag>().ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }
    }

    private async Task<Outcome<(Container Container, Collection Collection)>> LoadPushableContainerAsync(Principal who, string? containerId,
        CancellationToken ct)
    {
        var found = await access.FindVisibleContainerByIdAsync(who, containerId, ct);
        if (found is null)
        {
            return Problem.NotFound("container not found");
        }
        if (CollectionAccess.RefuseChange(who, CollectionAction.Push, found) is { } refused)
        {
            return refused;
        }
        return (found.Container, found.Collection);
    }

    private async Task<Image?> FindReadableUploadedAsync(Principal who, string hash, CancellationToken ct)
    {
        var visible = db.Collections.AsNoTracking().VisibleTo(who).Select(c => c.Id);
        return await db.Images.AsNoTracking()
            .Where(i => i.Hash == hash && i.IsUploaded && visible.Contains(i.Container!.CollectionId))
            .FirstOrDefaultAsync(ct);
    }

    internal async Task<ImageView> ToViewAsync(Image image, Container container, Collection collection, CancellationToken ct)
    {
        var tags = new List<string>();
        if (image.Arch is not null)
        {
            await foreach (var name in TagNames(db, image.Id).WithCancellation(ct))
            {
                tags.Add(name);
            }
        }
        return new ImageView(image, container, collection, collection.Owner?.Username ?? "", tags);
    }

    public static string HexOf(string imageHash) => imageHash[NameRules.HashPrefix.Length..];

    private static Outcome<T> Outcome<T>(T value) => value;
}
