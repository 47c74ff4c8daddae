using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Oci;

/// <summary>A stored manifest's digest, and the subject it names (for the <c>OCI-Subject</c> answer).</summary>
public sealed record PushedManifest(string Hex, string? SubjectHex);

/// <summary>
/// Manifest pushes and deletes. A manifest is taken only when everything it names is already in the repository; a SIF
/// artifact also becomes the library's image, and a tag also the library's tag, before the OCI tag is written.
/// </summary>
public sealed class OciManifestWrites(RegistryDbContext db, OciManifestReads reads, RepositoryBlobs blobs, SifArtifacts sif, ImageCatalog catalog,
    AuditLog audit, TimeProvider clock)
{
    public async Task<OciOutcome<PushedManifest>> PutAsync(Principal who, OciRepository repository, string reference, byte[] content, string? contentType,
        CancellationToken ct = default)
    {
        if (content.Length > ManifestDocument.MaxBytes)
        {
            return new OciRefusal(OciCode.ManifestInvalid, $"a manifest may be at most {ManifestDocument.MaxBytes} bytes");
        }
        var document = new OciDocument("", content);
        var isDigest = OciNames.IsDigest(reference);
        if (isDigest && OciNames.HexOf(reference) != document.Hex)
        {
            return new OciRefusal(OciCode.DigestInvalid, $"the manifest's bytes hash to {document.Digest}, not {reference}");
        }
        if (!isDigest && !OciNames.IsTag(reference))
        {
            return new OciRefusal(OciCode.TagInvalid, "a tag is [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
        }
        var parsed = ManifestDocument.Parse(content, contentType);
        if (!parsed.Succeeded)
        {
            return parsed.Refusal;
        }
        var manifest = parsed.Value!;
        var images = await ImagesOfAsync(who, repository, manifest, ct);
        if (!images.Succeeded)
        {
            return images.Refusal;
        }
        await StoreAsync(repository, manifest, document.Hex, content, ct);
        if (!isDigest)
        {
            // The library's tags follow first (a frozen tag refuses the push); setting them clears the OCI tag, written after.
            if (NameRules.IsTag(reference) && images.Value!.Count > 0)
            {
                var tagged = await sif.TagAsync(who, repository, reference, images.Value!, ct);
                if (!tagged.Succeeded)
                {
                    return tagged.Refusal;
                }
            }
            await TagAsync(who, repository, reference, document.Hex, ct);
        }
        return new PushedManifest(document.Hex, manifest.Subject?.Hex);
    }

    /// <summary>
    /// Deletes a tag (with the library's tag of that name), or a manifest by digest with every tag naming it. A SIF
    /// manifest's digest deletes the library image it is the face of; frozen tags refuse, as in the library.
    /// </summary>
    public async Task<OciOutcome<bool>> DeleteAsync(Principal who, OciRepository repository, string reference, CancellationToken ct = default)
    {
        var containerId = repository.Container.Id;
        if (!OciNames.IsDigest(reference))
        {
            if (await db.Tags.AnyAsync(t => t.ContainerId == containerId && t.Name == reference && t.IsFrozen, ct))
            {
                return new OciRefusal(OciCode.Denied, $"tag '{reference}' is frozen: it cannot be removed");
            }
            var removed = await db.OciTags.Where(t => t.ContainerId == containerId && t.Name == reference).ExecuteDeleteAsync(ct)
                          + await db.Tags.Where(t => t.ContainerId == containerId && t.Name == reference).ExecuteDeleteAsync(ct);
            if (removed == 0)
            {
                return new OciRefusal(OciCode.ManifestUnknown, $"tag '{reference}' unknown to registry");
            }
            audit.Record(who, AuditActions.TagRemove, $"{repository.Collection.Name}/{repository.Container.Name}:{reference}", "over OCI");
            await db.SaveChangesAsync(ct);
            return true;
        }
        if (OciNames.HexOf(reference) is not { } hex || await reads.FindByHexAsync(containerId, hex, ct) is not { } found)
        {
            return new OciRefusal(OciCode.ManifestUnknown, $"manifest '{reference}' unknown to registry");
        }
        var parsed = ManifestDocument.Parse(found.Content, found.MediaType).Value;
        var image = parsed is { IsSifArtifact: true }
            ? await db.Images.AsNoTracking().FirstOrDefaultAsync(i => i.ContainerId == containerId && i.Hash == NameRules.HashPrefix + parsed.Layers[0].Hex, ct)
            : null;
        var stored = await db.OciManifests.AnyAsync(m => m.ContainerId == containerId && m.Hex == hex, ct);
        if (!stored && image is null)
        {
            return new OciRefusal(OciCode.Unsupported, "this index is a library tag's; delete the tag instead");
        }
        if (image is not null && await catalog.HasFrozenTagAsync(image.Id, ct))
        {
            return new OciRefusal(OciCode.Denied, "the image has a frozen tag: it cannot be deleted");
        }
        await db.OciTags.Where(t => t.ContainerId == containerId && t.ManifestHex == hex).ExecuteDeleteAsync(ct);
        await db.OciManifests.Where(m => m.ContainerId == containerId && m.Hex == hex).ExecuteDeleteAsync(ct);
        if (image is not null)
        {
            await catalog.RemoveImageAsync(who, image.Id, image.Hash, ct);
        }
        return true;
    }

    /// <summary>
    /// Checks that everything the manifest names is in the repository; answers the library images it stands for (a
    /// SIF artifact's own image, or those of the SIF manifests an index names).
    /// </summary>
    private async Task<OciOutcome<List<Image>>> ImagesOfAsync(Principal who, OciRepository repository, ManifestDocument manifest, CancellationToken ct)
    {
        var containerId = repository.Container.Id;
        foreach (var blob in manifest.Layers.Prepend(manifest.Config).OfType<OciDescriptor>())
        {
            if (await blobs.FindAsync(repository, blob.Hex, ct) is null)
            {
                return new OciRefusal(OciCode.ManifestBlobUnknown, $"blob {OciNames.DigestOf(blob.Hex)} is not in the repository; push it first");
            }
        }
        var images = new List<Image>();
        if (manifest.IsSifArtifact)
        {
            var image = await sif.EnsureImageAsync(who, repository, manifest, ct);
            return image.Succeeded ? new List<Image> { image.Value! } : image.Refusal;
        }
        foreach (var child in manifest.Manifests)
        {
            if (await reads.FindByHexAsync(containerId, child.Hex, ct) is not { } named)
            {
                return new OciRefusal(OciCode.ManifestBlobUnknown, $"manifest {OciNames.DigestOf(child.Hex)} is not in the repository; push it first");
            }
            if (ManifestDocument.Parse(named.Content, named.MediaType).Value is { IsSifArtifact: true } sifManifest)
            {
                var hash = NameRules.HashPrefix + sifManifest.Layers[0].Hex;
                if (await db.Images.AsNoTracking().FirstOrDefaultAsync(i => i.ContainerId == containerId && i.Hash == hash && i.IsUploaded, ct) is { } image)
                {
                    images.Add(image);
                }
            }
        }
        return images;
    }

    private async Task StoreAsync(OciRepository repository, ManifestDocument manifest, string hex, byte[] content, CancellationToken ct)
    {
        if (await db.OciManifests.AnyAsync(m => m.ContainerId == repository.Container.Id && m.Hex == hex, ct))
        {
            return;
        }
        db.OciManifests.Add(new OciManifest
        {
            ContainerId = repository.Container.Id,
            Hex = hex,
            MediaType = manifest.MediaType,
            Content = content,
            SubjectHex = manifest.Subject?.Hex,
            ArtifactType = manifest.ArtifactType,
            AnnotationsJson = manifest.AnnotationsJson,
            CreatedAt = clock.GetUtcNow(),
        });
        // The same bytes pushed at the same moment by another client: the same manifest, already stored.
        await db.TrySaveUniqueAsync(ct);
    }

    private async Task TagAsync(Principal who, OciRepository repository, string tag, string hex, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var updated = await db.OciTags.Where(t => t.ContainerId == repository.Container.Id && t.Name == tag)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ManifestHex, hex).SetProperty(t => t.UpdatedAt, now), ct);
        if (updated == 0)
        {
            db.OciTags.Add(new OciTag { ContainerId = repository.Container.Id, Name = tag, ManifestHex = hex, UpdatedAt = now });
            if (!await db.TrySaveUniqueAsync(ct))
            {
                await db.OciTags.Where(t => t.ContainerId == repository.Container.Id && t.Name == tag)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.ManifestHex, hex).SetProperty(t => t.UpdatedAt, now), ct);
            }
        }
        audit.Record(who, AuditActions.TagSet, $"{repository.Collection.Name}/{repository.Container.Name}:{tag}", $"over OCI → sha256:{hex}");
        await db.SaveChangesAsync(ct);
    }
}
