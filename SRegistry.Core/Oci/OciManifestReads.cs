using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Oci;

/// <summary>One page of a repository's tags, and whether more follow.</summary>
public sealed record TagPage(IReadOnlyList<string> Tags, bool HasMore);

/// <summary>
/// What a repository's manifests, tags and referrers are on the OCI side: documents pushed over OCI as they were sent,
/// and for library images and tags their derived form (<see cref="SifProjection"/>). A tag pushed over OCI wins over
/// the derived one until a library push moves the tag again.
/// </summary>
public sealed class OciManifestReads(RegistryDbContext db, RepositoryBlobs blobs)
{
    /// <summary>A manifest by tag or digest. <paramref name="accept"/> matters only for a library tag with one architecture.</summary>
    public async Task<OciOutcome<OciDocument>> GetAsync(OciRepository repository, string reference, IReadOnlyCollection<string> accept,
        CancellationToken ct = default)
    {
        var containerId = repository.Container.Id;
        if (OciNames.IsDigest(reference))
        {
            return OciNames.HexOf(reference) is { } hex
                ? await FindByHexAsync(containerId, hex, ct) is { } found ? found : Unknown(reference)
                : new OciRefusal(OciCode.DigestInvalid, "a digest is sha256:<64 lower-case hex digits>");
        }
        if (!OciNames.IsTag(reference))
        {
            return new OciRefusal(OciCode.TagInvalid, "a tag is [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
        }
        var tagged = await db.OciTags.AsNoTracking().Where(t => t.ContainerId == containerId && t.Name == reference)
            .Select(t => t.ManifestHex).FirstOrDefaultAsync(ct);
        if (tagged is not null && await StoredAsync(containerId, tagged, ct) is { } stored)
        {
            return stored;
        }
        var images = await LibraryTagImagesAsync(containerId, reference, ct);
        if (images.Count == 0)
        {
            return Unknown(reference);
        }
        // The clients ask for an index first and take exactly what they asked for; a one-architecture tag can be either.
        var wantsManifestOnly = accept.Contains(OciMediaTypes.ImageManifest) && !accept.Contains(OciMediaTypes.ImageIndex);
        return images.Count == 1 && wantsManifestOnly ? SifProjection.Manifest(images[0]) : SifProjection.Index(images);
    }

    /// <summary>A manifest or index of the repository by its hex: stored, derived from an image, or a library tag's index.</summary>
    public async Task<OciDocument?> FindByHexAsync(string containerId, string hex, CancellationToken ct = default)
    {
        if (await StoredAsync(containerId, hex, ct) is { } stored)
        {
            return stored;
        }
        var images = await blobs.LibraryImagesAsync(containerId, ct);
        foreach (var image in images)
        {
            var manifest = SifProjection.Manifest(image);
            if (manifest.Hex == hex)
            {
                return manifest;
            }
        }
        var byId = images.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var tags = await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId).ToListAsync(ct);
        foreach (var group in tags.GroupBy(t => t.Name, StringComparer.Ordinal))
        {
            var index = SifProjection.Index(group.Where(t => byId.ContainsKey(t.ImageId)).Select(t => byId[t.ImageId]));
            if (index.Hex == hex)
            {
                return index;
            }
        }
        return null;
    }

    /// <summary>Tags in lexical order after <paramref name="last"/>, at most <paramref name="count"/> of them.</summary>
    public async Task<TagPage> TagsAsync(OciRepository repository, int? count, string? last, CancellationToken ct = default)
    {
        var containerId = repository.Container.Id;
        var oci = await db.OciTags.AsNoTracking().Where(t => t.ContainerId == containerId).Select(t => t.Name).ToListAsync(ct);
        var library = await db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId).Select(t => t.Name).Distinct().ToListAsync(ct);
        var all = oci.Concat(library).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Where(t => last is null || string.CompareOrdinal(t, last) > 0).ToList();
        return count is { } n && all.Count > n ? new TagPage(all.Take(n).ToList(), true) : new TagPage(all, false);
    }

    /// <summary>The referrers API: an index of the stored manifests whose subject is <paramref name="hex"/>, optionally of one artifact type.</summary>
    public async Task<byte[]> ReferrersAsync(OciRepository repository, string hex, string? artifactType, CancellationToken ct = default)
    {
        var containerId = repository.Container.Id;
        var referrers = await db.OciManifests.AsNoTracking().Where(m => m.ContainerId == containerId && m.SubjectHex == hex)
            .Where(m => artifactType == null || m.ArtifactType == artifactType).OrderBy(m => m.CreatedAt).ThenBy(m => m.Hex).ToListAsync(ct);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", OciMediaTypes.ImageIndex);
            json.WriteStartArray("manifests");
            foreach (var referrer in referrers)
            {
                json.WriteStartObject();
                json.WriteString("mediaType", referrer.MediaType);
                json.WriteString("digest", OciNames.DigestOf(referrer.Hex));
                json.WriteNumber("size", referrer.Content.Length);
                if (referrer.ArtifactType is not null)
                {
                    json.WriteString("artifactType", referrer.ArtifactType);
                }
                if (referrer.AnnotationsJson is not null)
                {
                    json.WritePropertyName("annotations");
                    json.WriteRawValue(referrer.AnnotationsJson);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The library images a tag names, one per architecture.</summary>
    public Task<List<Image>> LibraryTagImagesAsync(string containerId, string tag, CancellationToken ct = default) =>
        db.Tags.AsNoTracking().Where(t => t.ContainerId == containerId && t.Name == tag && t.Image!.IsUploaded)
            .Select(t => t.Image!).ToListAsync(ct);

    private async Task<OciDocument?> StoredAsync(string containerId, string hex, CancellationToken ct)
    {
        var row = await db.OciManifests.AsNoTracking().Where(m => m.ContainerId == containerId && m.Hex == hex)
            .Select(m => new { m.MediaType, m.Content }).FirstOrDefaultAsync(ct);
        return row is null ? null : new OciDocument(row.MediaType, row.Content);
    }

    private static OciRefusal Unknown(string reference) => new(OciCode.ManifestUnknown, $"manifest '{reference}' unknown to registry");
}
