using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Sif;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads;

namespace SRegistry.Core.Oci;

/// <summary>
/// A SIF pushed over OCI becomes the library's image: the manifest's one SIF layer is read and checked as a library
/// push would (a real SIF, its contents, the signed-only rule), recorded as the container's image for the config's
/// architecture, and its tags become library tags, so <c>library://</c> and the dashboard show it.
/// </summary>
public sealed class SifArtifacts(RegistryDbContext db, IBlobStore store, DataFolder folder, ImageContentsService contents,
    ImagePublisher publisher, ImageCatalog catalog, TimeProvider clock)
{
    private const int MaxConfigBytes = 1024 * 1024;

    // Both stores read their blobs back (the folder and S3); the seam is separate only for what copies out of the store.
    private IBlobReader Reader => (IBlobReader)store;

    /// <summary>The library image of a SIF artifact manifest's layer in this repository, recorded now if it is new.</summary>
    public async Task<OciOutcome<Image>> EnsureImageAsync(Principal who, OciRepository repository, ManifestDocument manifest, CancellationToken ct)
    {
        var layer = manifest.Layers[0];
        var hash = NameRules.HashPrefix + layer.Hex;
        var existing = await db.Images.FirstOrDefaultAsync(i => i.ContainerId == repository.Container.Id && i.Hash == hash, ct);
        if (existing is { IsUploaded: true })
        {
            return existing;
        }
        var arch = await ConfigArchAsync(manifest.Config!, ct);
        if (!NameRules.IsArch(arch))
        {
            return new OciRefusal(OciCode.ManifestInvalid, $"the SIF config's architecture '{arch}' is not one of {string.Join(", ", NameRules.Architectures)}");
        }
        var (sif, inside, temp) = await ReadSifAsync(layer.Hex, ct);
        try
        {
            if (!sif.IsValid || inside is null)
            {
                return new OciRefusal(OciCode.ManifestInvalid, $"the SIF layer is not a SIF image (Singularity 3.3 or newer): {sif.Error ?? "contents unreadable"}");
            }
            if (sif.Arch is not null && sif.Arch != arch)
            {
                return new OciRefusal(OciCode.ManifestInvalid, $"the config says {arch} but the SIF is built for {sif.Arch}");
            }
            var now = clock.GetUtcNow();
            var image = existing ?? db.Images.Add(new Image { ContainerId = repository.Container.Id, Hash = hash, CreatedById = who.UserId!, CreatedAt = now }).Entity;
            image.Size = layer.Size;
            image.Arch = arch;
            image.IsSigned = sif.Signers.Count > 0;
            image.SignerFingerprints = string.Join(' ', sif.Signers);
            await contents.RecordAsync(image, inside, ct);
            var marked = await publisher.MarkUploadedAsync(who, image, repository.Collection, ct);
            if (!marked.Succeeded)
            {
                db.ChangeTracker.Clear();
                return OciRefusal.From(new Problem(marked.Failure, marked.Message), OciCode.ManifestBlobUnknown);
            }
            return image;
        }
        finally
        {
            if (temp is not null)
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Points the library tag at these images, one per architecture (a frozen tag refuses).</summary>
    public async Task<OciOutcome<bool>> TagAsync(Principal who, OciRepository repository, string tag, IEnumerable<Image> images, CancellationToken ct)
    {
        foreach (var image in images)
        {
            var set = await catalog.SetTagAsync(who, repository.Container.Id, image.Arch, tag, image.Id, ct);
            if (!set.Succeeded)
            {
                return OciRefusal.From(new Problem(set.Failure, set.Message), OciCode.ManifestUnknown);
            }
        }
        return true;
    }

    private async Task<string?> ConfigArchAsync(OciDescriptor config, CancellationToken ct)
    {
        if (config.Size > MaxConfigBytes)
        {
            return null;
        }
        await using var stream = await Reader.OpenReadAsync(config.Hex, ct);
        if (stream is null)
        {
            return null;
        }
        try
        {
            using var json = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("architecture", out var arch)
                   && arch.ValueKind == JsonValueKind.String ? arch.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The SIF's header and contents, read from the store's own file or, for a remote store, from a copy fetched once.</summary>
    private async Task<(SifInfo Info, SifContents? Inside, string? Temp)> ReadSifAsync(string hex, CancellationToken ct)
    {
        var path = store.GetLocalPath(hex);
        string? temp = null;
        if (path is null)
        {
            temp = Path.Combine(folder.Uploads, $"oci-read-{Guid.NewGuid():N}.sif");
            await using var source = await Reader.OpenReadAsync(hex, ct);
            if (source is null)
            {
                return (SifInfo.Invalid("the layer's bytes are not in the store"), null, null);
            }
            await using (var target = File.Create(temp))
            {
                await source.CopyToAsync(target, ct);
            }
            path = temp;
        }
        var info = SifInspector.InspectFile(path);
        if (!info.IsValid)
        {
            return (info, null, temp);
        }
        using var file = File.OpenHandle(path);
        return (info, SifContentsReader.Read(SifSource.FromFile(file)).Contents, temp);
    }
}
