using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Access;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;
using SRegistry.Core.Sif;

namespace SRegistry.Core.Contents;

/// <summary>
/// What the container page shows of one image (one tag and architecture): the contents read at push, the signature
/// verdicts, and, in a signed-only collection, why the image breaks the rule (null: it meets it or there is none).
/// <see cref="Read"/> false: the image was pushed before contents were read.
/// </summary>
public sealed record ImageContentsView(
    string ImageId, string Hash, string Arch, IReadOnlyList<string> Tags, bool Read,
    string LaunchScript, string SifId, DateTimeOffset? SifCreatedAt,
    string? DefinitionFile, long DefinitionBytes,
    IReadOnlyList<KeyValuePair<string, string>> Labels, string? LabelsProblem,
    IReadOnlyList<SifMetadataObject> Metadata, IReadOnlyList<SifPartition> Partitions,
    SignatureState SignatureState, IReadOnlyList<SignatureVerdict> Verdicts, string? RuleBreach)
{
    public bool DefinitionCut => DefinitionFile is not null && DefinitionBytes > DefinitionFile.Length;
}

/// <summary>Reads image contents for people allowed to see the container (the access policy's View).</summary>
public sealed class ImageContentsQuery(RegistryDbContext db, CollectionAccess access, ImageContentsService contents)
{
    public async Task<Outcome<IReadOnlyList<ImageContentsView>>> ForContainerAsync(Principal who, string? collection, string? container,
        CancellationToken ct = default)
    {
        var visible = await access.FindVisibleContainerAsync(who, collection, container, ct);
        if (visible is null)
        {
            return Problem.NotFound($"container '{collection}/{container}' not found");
        }
        var found = visible.Container;
        var images = await db.Images.AsNoTracking().Where(i => i.ContainerId == found.Id && i.IsUploaded)
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new { i.Id, i.Hash, i.Arch, Contents = db.ImageContents.FirstOrDefault(c => c.ImageId == i.Id) })
            .ToListAsync(ct);
        var tags = (await db.Tags.AsNoTracking().Where(t => t.ContainerId == found.Id).Select(t => new { t.ImageId, t.Name }).ToListAsync(ct))
            .ToLookup(t => t.ImageId, t => t.Name);
        var rule = found.Collection!.RequireSignedImages;
        var allowed = rule ? await contents.AllowedSignersAsync(found.CollectionId, found.Collection.OwnerId, ct) : null;
        return images.Select(i => View(i.Id, i.Hash, i.Arch ?? NameRules.DefaultArch, [.. tags[i.Id].Order(StringComparer.Ordinal)], i.Contents, allowed))
            .ToList();
    }

    private static ImageContentsView View(string id, string hash, string arch, List<string> tags, ImageContents? c, IReadOnlySet<string>? allowed)
    {
        if (c is null)
        {
            return new ImageContentsView(id, hash, arch, tags, false, "", "", null, null, 0, [], null, [], [], SignatureState.Unsigned, [],
                allowed is null ? null : SignedOnlyRule.Lead + "the image was pushed before this registry read image contents; push it again");
        }
        var verdicts = ImageContentsService.Verdicts(c);
        return new ImageContentsView(id, hash, arch, tags, true, c.LaunchScript, c.SifId, c.SifCreatedAt, c.DefinitionFile, c.DefinitionBytes,
            JsonSerializer.Deserialize(c.LabelsJson, SifJson.Default.ListKeyValuePairStringString) ?? [], c.LabelsProblem,
            JsonSerializer.Deserialize(c.MetadataJson, SifJson.Default.ListSifMetadataObject) ?? [],
            JsonSerializer.Deserialize(c.PartitionsJson, SifJson.Default.ListSifPartition) ?? [],
            c.SignatureState, verdicts, allowed is null ? null : SignedOnlyRule.Failure(c.SignatureState, verdicts, allowed));
    }
}
