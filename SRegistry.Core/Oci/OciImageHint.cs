using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Oci;

/// <summary>
/// A library pull of a tag that only the OCI side has, as an OCI image rather than a SIF (an OCI-SIF pushed with
/// <c>docker://</c>): the library's not-found message then names the image's config type, which is how SingularityCE
/// 4 knows to pull it from <c>libraryAPI.registryUri</c> instead (docs/protocol/oci.md#oci-sif).
/// </summary>
public sealed class OciImageHint(RegistryDbContext db, CollectionAccess access, IOptions<RegistryOptions> options)
{
    public const string OciImageConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>The message for such a reference, or null when the reference is not an OCI image the caller can see.</summary>
    public async Task<string?> MessageAsync(Principal who, string? reference, CancellationToken ct = default)
    {
        var parsed = LibraryRef.Parse(reference, options.Value.DefaultCollection).Value;
        if (parsed is null || parsed.IsHash)
        {
            return null;
        }
        var collection = await access.FindReferencedAsync(who, parsed.Entity, parsed.Collection, ct);
        var manifest = collection is null ? null : await db.OciTags.AsNoTracking()
            .Where(t => t.Name == parsed.Tag && db.Containers.Any(c => c.Id == t.ContainerId && c.CollectionId == collection.Id && c.Name == parsed.Container))
            .Join(db.OciManifests, t => new { t.ContainerId, Hex = t.ManifestHex }, m => new { m.ContainerId, m.Hex }, (t, m) => new { m.ContainerId, m.Content, m.MediaType })
            .FirstOrDefaultAsync(ct);
        if (manifest is null || !await IsOciImageAsync(manifest.ContainerId, manifest.Content, manifest.MediaType, ct))
        {
            return null;
        }
        var name = $"{collection!.Owner?.Username ?? parsed.Entity}/{parsed.Collection}/{parsed.Container}:{parsed.Tag}";
        return $"'{parsed}' is an OCI image ({OciImageConfig}), not a SIF: pull it over OCI, e.g. docker://<this registry>/{name}";
    }

    /// <summary>An image manifest with the OCI image config, or an index naming one stored in the same repository.</summary>
    private async Task<bool> IsOciImageAsync(string containerId, byte[] content, string mediaType, CancellationToken ct)
    {
        var document = ManifestDocument.Parse(content, mediaType).Value;
        if (document is null)
        {
            return false;
        }
        if (!document.IsIndex)
        {
            return document.Config?.MediaType == OciImageConfig;
        }
        var children = document.Manifests.Select(m => m.Hex).ToList();
        var stored = await db.OciManifests.AsNoTracking().Where(m => m.ContainerId == containerId && children.Contains(m.Hex))
            .Select(m => new { m.Content, m.MediaType }).ToListAsync(ct);
        return stored.Any(m => ManifestDocument.Parse(m.Content, m.MediaType).Value is { IsIndex: false, Config.MediaType: OciImageConfig });
    }
}
