using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Import;

/// <summary>
/// sregistry's labels (global key/value pairs linked to tag rows) become annotations of the tags they were linked to.
/// Key and value are kept as sregistry stored them (values lower-cased by sregistry itself), only trimmed.
/// </summary>
public sealed class LabelImporter(RegistryDbContext db)
{
    public const string Kind = "tag annotations";

    public async Task ImportAsync(SregistryDump dump, Dictionary<int, ImportedTag?> tags, bool dryRun, ImportReport report, CancellationToken ct)
    {
        var seen = new HashSet<(ImportedTag, string, string)>();
        foreach (var label in dump.Labels)
        {
            var (key, value) = (label.Key.Trim(), label.Value.Trim());
            var problem = key.Length == 0 ? "the key is empty"
                : key.Length > TagAnnotation.MaxKeyLength || value.Length > TagAnnotation.MaxValueLength
                    ? $"key or value longer than {TagAnnotation.MaxKeyLength} characters"
                : key.Any(char.IsControl) || value.Any(char.IsControl) ? "it contains control characters"
                : !tags.TryGetValue(label.TagRowId, out _) ? "its tag was not imported"
                : null;
            if (problem is not null)
            {
                report.NotImported.Add($"label '{Shorten(key)}={Shorten(value)}' on tag row {label.TagRowId}: {problem}");
                continue;
            }
            var tag = tags[label.TagRowId];
            if (tag is null)
            {
                report.Created(Kind);
                continue;
            }
            if (!seen.Add((tag, key, value)))
            {
                continue;
            }
            if (await db.TagAnnotations.AnyAsync(a => a.ContainerId == tag.ContainerId && a.Arch == tag.Arch && a.TagName == tag.Name && a.Key == key && a.Value == value, ct))
            {
                report.Unchanged(Kind);
                continue;
            }
            report.Created(Kind);
            if (!dryRun)
            {
                db.TagAnnotations.Add(new TagAnnotation { ContainerId = tag.ContainerId, Arch = tag.Arch, TagName = tag.Name, Key = key, Value = value });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
