using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Library;

/// <summary>Images and tags: resolving references, creating image records, moving tags, deleting.</summary>
public sealed class ImageCatalog(RegistryDbContext db, Namespaces namespaces, IBlobStore blobs, BlobLocks blobLocks,
    TimeProvider clock, IOptions<RegistryOptions> options, LookupCache lookups)
{
    private sealed record ImageInContainer(Image? Image, Container? Container);

    // The image a tag names on one architecture, with its container: the lookup behind nearly every pull, compiled once.
    private static readonly Func<RegistryDbContext, string, string, string, string, CancellationToken, Task<ImageInContainer?>> TaggedImage =
        EF.CompileAsyncQuery((RegistryDbContext db, string collectionId, string container, string arch, string tag, CancellationToken ct) =>
            db.Tags.AsNoTracking()
                .Where(t => t.Container!.CollectionId == collectionId && t.Container.Name == container && t.Arch == arch && t.Name == tag)
                .Select(t => new ImageInContainer(t.Image, t.Container)).FirstOrDefault());

    private static readonly Func<RegistryDbContext, string, IAsyncEnumerable<string>> TagNames =
        EF.CompileAsyncQuery((RegistryDbContext db, string imageId) => db.Tags.AsNoTracking().Where(t => t.ImageId == imageId).OrderBy(t => t.Name).Select(t => t.Name));

    /// <summary>Resolves <c>ref:tag</c> or <c>ref:sha256.hex</c> the way pull and push look images up (spec L7).</summary>
    public Task<Outcome<ImageView>> ResolveAsync(Principal who, string? path, string? arch, CancellationToken ct = default) =>
        lookups.GetOrResolveAsync(LookupCache.Key.For(who, path, arch), () => ResolveFromDatabaseAsync(who, path, arch, ct));

    private async Task<Outcome<ImageView>> ResolveFromDatabaseAsync(Principal who, string? path, string? arch, CancellationToken ct)
    {
        var parsed = LibraryRef.Parse(path, options.Value.DefaultCollection);
        if (!parsed.Succeeded)
        {
            return Problem.Invalid(parsed.Error!);
        }
        var reference = parsed.Value!;
        arch = string.IsNullOrEmpty(arch) ? null : arch;
        if (arch is not null && !NameRules.IsArch(arch) && !reference.IsHash)
        {
            return Problem.Invalid($"unknown architecture '{LibraryRef.Shorten(arch)}'; use one of {string.Join(", ", NameRules.Architectures)}");
        }
        var collection = await namespaces.LoadVisibleCollectionAsync(who, reference.Entity, reference.Collection, ct);
        if (collection is null)
        {
            return Problem.NotFound($"image {reference} not found");
        }
        if (reference.IsHash || arch is not null)
        {
            // The container and the image in one round trip, joined from the tag (or image) key: what every pull and push asks.
            var found = reference.IsHash
                // The hash names the bytes, so the architecture does not narrow it (spec Q4).
                ? await db.Images.AsNoTracking()
                    .Where(i => i.Container!.CollectionId == collection.Id && i.Container.Name == reference.Container && i.Hash == reference.Tag)
                    .Select(i => new ImageInContainer((Image?)i, i.Container)).FirstOrDefaultAsync(ct)
                : await TaggedImage(db, collection.Id, reference.Container, arch!, reference.Tag, ct);
            return found?.Image is null
                ? Problem.NotFound($"image {reference}{(arch is null ? "" : $" ({arch})")} not found")
                : await ToViewAsync(found.Image, found.Container!, collection, ct);
        }
        // No architecture given: the tag's images, of which the preferred architecture wins.
        var container = await db.Containers.AsNoTracking().FirstOrDefaultAsync(c => c.CollectionId == collection.Id && c.Name == reference.Container, ct);
        var image = container is null ? null : await FindTaggedAsync(container.Id, reference.Tag, null, ct);
        return image is null ? Problem.NotFound($"image {reference} not found") : await ToViewAsync(image, container!, collection, ct);
    }

    /// <summary>Creates the record for an image about to be uploaded (spec L8). Bytes arrive later.</summary>
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
            Description = Namespaces.CleanDescription(description),
            CreatedById = who.UserId!,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Skip the upload only when the caller could already pull these bytes: knowing a hash is not proof of having the file.
        var readable = await FindReadableUploadedAsync(who, hash!, ct);
        if (readable is not null && await blobs.ExistsAsync(HexOf(hash!), ct))
        {
            image.IsUploaded = true;
            image.Size = readable.Size;
            image.Arch = readable.Arch;
            image.IsSigned = readable.IsSigned;
            image.SignerFingerprints = readable.SignerFingerprints;
        }
        db.Images.Add(image);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent push of the same file to this container created it first.
            db.ChangeTracker.Clear();
            image = await db.Images.AsNoTracking().FirstAsync(i => i.ContainerId == row.Id && i.Hash == hash, ct);
        }
        return await ToViewAsync(image, row, collection, ct);
    }

    public async Task<Outcome<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>> ArchTagsAsync(Principal who, string? containerId,
        CancellationToken ct = default)
    {
        var container = await namespaces.FindContainerByIdAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        return Outcome(container.Value!.ArchTags);
    }

    public async Task<Outcome<IReadOnlyDictionary<string, string>>> ArchBlindTagsAsync(Principal who, string? containerId, CancellationToken ct = default)
    {
        var container = await namespaces.FindContainerByIdAsync(who, containerId, ct);
        if (!container.Succeeded)
        {
            return new Problem(container.Failure, container.Message);
        }
        var tags = await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId).ToListAsync(ct);
        return Outcome(TagMaps.ArchBlind(tags));
    }

    /// <summary>Points a tag at an image (spec L11/L13). A null arch is the old arch-blind call: the image's own arch is used.</summary>
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
        await UpsertTagAsync(image, tag!, ct);
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
        if (!AccessPolicy.Can(who, CollectionAction.DeleteImage, await namespaces.FactsAsync(view.Collection, ct)))
        {
            return Problem.Forbidden($"you may not delete images in collection '{view.Collection.Name}'");
        }
        await RemoveImageAsync(view.Image.Id, view.Image.Hash, ct);
        return view;
    }

    /// <summary>Deletes an image row (its tags cascade) and then its blob if no other image shares the bytes.</summary>
    internal async Task RemoveImageAsync(string imageId, string hash, CancellationToken ct)
    {
        await db.Images.Where(i => i.Id == imageId).ExecuteDeleteAsync(ct);
        await DeleteBlobIfUnusedAsync(hash, ct);
    }

    /// <summary>Counts a pull of an image and its container (atomic increments, no read-modify-write race).</summary>
    public async Task CountDownloadAsync(Image image, CancellationToken ct = default)
    {
        using var countersOnly = LookupCache.CountersOnly();
        await db.Images.Where(i => i.Id == image.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.DownloadCount, i => i.DownloadCount + 1), ct);
        await db.Containers.Where(c => c.Id == image.ContainerId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.DownloadCount, c => c.DownloadCount + 1), ct);
    }

    internal async Task DeleteBlobIfUnusedAsync(string hash, CancellationToken ct)
    {
        var hex = HexOf(hash);
        await using (await blobLocks.AcquireAsync(hex, ct))
        {
            if (!await db.Images.AnyAsync(i => i.Hash == hash, ct))
            {
                await blobs.DeleteAsync(hex, ct);
            }
        }
    }

    private async Task<Image?> FindTaggedAsync(string containerId, string tag, string? arch, CancellationToken ct)
    {
        if (arch is not null)
        {
            return await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId && t.Arch == arch && t.Name == tag)
                .Select(t => t.Image).FirstOrDefaultAsync(ct);
        }
        var candidates = await db.Tags.AsNoTracking().Include(t => t.Image).Where(t => t.ContainerId == containerId && t.Name == tag).ToListAsync(ct);
        return candidates.Count == 0 ? null : TagMaps.Preferred(candidates).Image;
    }

    private async Task UpsertTagAsync(Image image, string tag, CancellationToken ct)
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
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
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
        var container = string.IsNullOrEmpty(containerId)
            ? null
            : await db.Containers.AsNoTracking().Include(c => c.Collection).ThenInclude(c => c!.Owner).FirstOrDefaultAsync(c => c.Id == containerId, ct);
        if (container is null)
        {
            return Problem.NotFound("container not found");
        }
        var facts = await namespaces.FactsAsync(container.Collection!, ct);
        if (!AccessPolicy.Can(who, CollectionAction.View, facts))
        {
            return Problem.NotFound("container not found");
        }
        if (!AccessPolicy.Can(who, CollectionAction.Push, facts))
        {
            return Problem.Forbidden($"you may not push to collection '{container.Collection!.Name}'");
        }
        if (container.IsReadOnly)
        {
            return Problem.Forbidden($"container '{container.Collection!.Name}/{container.Name}' is read-only");
        }
        return (container, container.Collection!);
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
