using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Sif;

namespace SRegistry.Core.Contents;

/// <summary>
/// Keeps what was read from inside each image (<see cref="ImageContents"/>): records it at push, checks its
/// signatures against this registry's keys (again whenever a signer's key is pushed or removed), and applies a
/// signed-only collection's rule before a push becomes visible.
/// </summary>
public sealed class ImageContentsService(RegistryDbContext db, TimeProvider clock)
{
    /// <summary>Adds or replaces the image's contents row in the unit of work (saved with the upload).</summary>
    public async Task RecordAsync(Image image, SifContents contents, CancellationToken ct = default)
    {
        var row = await db.ImageContents.FirstOrDefaultAsync(c => c.ImageId == image.Id, ct)
                  ?? db.ImageContents.Local.FirstOrDefault(c => c.ImageId == image.Id);
        if (row is null)
        {
            row = new ImageContents { ImageId = image.Id };
            db.ImageContents.Add(row);
        }
        row.LaunchScript = Cut(contents.LaunchScript, 64);
        row.SifId = contents.SifId.ToString();
        row.SifCreatedAt = contents.CreatedAt;
        row.DefinitionFile = contents.DefinitionFile;
        row.DefinitionBytes = contents.DefinitionBytes;
        row.LabelsJson = JsonSerializer.Serialize([.. contents.Labels], SifJson.Default.ListKeyValuePairStringString);
        row.LabelsText = string.Join('\n', contents.Labels.Select(l => $"{l.Key}={l.Value}".ToLowerInvariant()));
        row.LabelsProblem = contents.LabelsProblem;
        row.MetadataJson = JsonSerializer.Serialize([.. contents.Metadata], SifJson.Default.ListSifMetadataObject);
        row.PartitionsJson = JsonSerializer.Serialize([.. contents.Partitions], SifJson.Default.ListSifPartition);
        row.SignaturesJson = JsonSerializer.Serialize([.. contents.Signatures], SifJson.Default.ListSifSignature);
        row.UnsignedGroupsJson = JsonSerializer.Serialize([.. contents.UnsignedGroups], SifJson.Default.ListUInt32);
        row.ReadAt = clock.GetUtcNow();
        await EvaluateAsync([row], ct);
    }

    /// <summary>
    /// Drops this unit of work's new contents row for the image when a concurrent push of the same bytes saved one
    /// first (same hash, so the same contents). True when there was such a row to drop.
    /// </summary>
    public bool YieldToConcurrentRecord(Image image)
    {
        var added = db.ChangeTracker.Entries<ImageContents>()
            .FirstOrDefault(e => e.State == EntityState.Added && e.Entity.ImageId == image.Id);
        if (added is null)
        {
            return false;
        }
        added.State = EntityState.Detached;
        return true;
    }

    /// <summary>
    /// Checks the image's signatures now and, in a signed-only collection, refuses it (a Forbidden problem naming what
    /// failed) unless it meets the rule. Called at completion, before the image is marked uploaded.
    /// </summary>
    public async Task<Problem?> AdmitAsync(Image image, Collection collection, CancellationToken ct = default)
    {
        var row = db.ImageContents.Local.FirstOrDefault(c => c.ImageId == image.Id)
                  ?? await db.ImageContents.FirstOrDefaultAsync(c => c.ImageId == image.Id, ct);
        if (row is null)
        {
            return collection.RequireSignedImages ? Problem.Forbidden(SignedOnlyRule.Lead + "the image's contents could not be read") : null;
        }
        await EvaluateAsync([row], ct);
        if (!collection.RequireSignedImages)
        {
            return null;
        }
        var allowed = await AllowedSignersAsync(collection.Id, collection.OwnerId, ct);
        return SignedOnlyRule.Failure(row.SignatureState, Verdicts(row), allowed) is { } failure ? Problem.Forbidden(failure) : null;
    }

    /// <summary>Checks again every image signed by one of these keys (a key was pushed, updated or removed).</summary>
    public async Task ReevaluateAsync(IReadOnlyCollection<string> fingerprints, CancellationToken ct = default)
    {
        foreach (var fingerprint in fingerprints)
        {
            var imageIds = await db.Images.AsNoTracking()
                .Where(i => LikePatterns.Matches(" " + i.SignerFingerprints + " ", "% " + fingerprint + " %"))
                .Select(i => i.Id).ToListAsync(ct);
            var rows = await db.ImageContents.Where(c => imageIds.Contains(c.ImageId)).ToListAsync(ct);
            await EvaluateAsync(rows, ct);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The accounts whose keys a signed-only collection accepts: its owner and its assigned teams' members.</summary>
    public async Task<IReadOnlySet<string>> AllowedSignersAsync(string collectionId, string ownerId, CancellationToken ct = default)
    {
        var members = await db.TeamMembers.AsNoTracking()
            .Where(m => db.CollectionTeams.Any(t => t.CollectionId == collectionId && t.TeamId == m.TeamId))
            .Select(m => m.UserId).ToListAsync(ct);
        return new HashSet<string>([ownerId, .. members], StringComparer.Ordinal);
    }

    public static List<SignatureVerdict> Verdicts(ImageContents row) =>
        JsonSerializer.Deserialize(row.VerdictsJson, VerdictJson.Default.ListSignatureVerdict) ?? [];

    private async Task EvaluateAsync(IReadOnlyList<ImageContents> rows, CancellationToken ct)
    {
        var parsed = rows.Select(r => (Row: r,
            Signatures: JsonSerializer.Deserialize(r.SignaturesJson, SifJson.Default.ListSifSignature) ?? [],
            Unsigned: JsonSerializer.Deserialize(r.UnsignedGroupsJson, SifJson.Default.ListUInt32) ?? [])).ToList();
        var fingerprints = parsed.SelectMany(p => p.Signatures).Select(s => s.Fingerprint).OfType<string>().Distinct().ToList();
        var keys = fingerprints.Count == 0
            ? new Dictionary<string, SigningKey>()
            : await db.SigningKeys.AsNoTracking().Where(k => fingerprints.Contains(k.Fingerprint)).ToDictionaryAsync(k => k.Fingerprint, ct);
        var now = clock.GetUtcNow();
        foreach (var (row, signatures, unsigned) in parsed)
        {
            var (state, verdicts) = SignatureEvaluator.Evaluate(signatures, unsigned, keys);
            row.SignatureState = state;
            row.VerdictsJson = JsonSerializer.Serialize(verdicts, VerdictJson.Default.ListSignatureVerdict);
            row.CheckedAt = now;
        }
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}
