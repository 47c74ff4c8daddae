namespace SRegistry.Core.Import;

/// <summary>What an import did (or would do): per kind how many rows were created, updated or already there, and every row left out with why.</summary>
public sealed class ImportReport
{
    private readonly SortedDictionary<string, int[]> counts = new(StringComparer.Ordinal);

    public List<string> NotImported { get; } = [];
    public List<string> Renamed { get; } = [];
    /// <summary>Things an admin may want to act on, which were imported nonetheless.</summary>
    public List<string> Notes { get; } = [];

    public void Created(string kind) => Count(kind, 0);
    public void Updated(string kind) => Count(kind, 1);
    public void Unchanged(string kind) => Count(kind, 2);

    public int CreatedOf(string kind) => counts.TryGetValue(kind, out var c) ? c[0] : 0;
    public int UpdatedOf(string kind) => counts.TryGetValue(kind, out var c) ? c[1] : 0;
    public int UnchangedOf(string kind) => counts.TryGetValue(kind, out var c) ? c[2] : 0;

    public bool ChangedAnything => counts.Values.Any(c => c[0] + c[1] > 0);

    public IEnumerable<string> Lines(bool dryRun)
    {
        foreach (var (kind, c) in counts)
        {
            yield return dryRun ? $"{kind}: {c[0]} would be created, {c[1]} would be updated, {c[2]} already there"
                : $"{kind}: {c[0]} created, {c[1]} updated, {c[2]} already there";
        }
        foreach (var renamed in Renamed)
        {
            yield return "renamed\t" + renamed;
        }
        foreach (var note in Notes)
        {
            yield return "note\t" + note;
        }
        foreach (var skipped in NotImported)
        {
            yield return "not imported\t" + skipped;
        }
    }

    private void Count(string kind, int slot)
    {
        if (!counts.TryGetValue(kind, out var c))
        {
            counts[kind] = c = new int[3];
        }
        c[slot]++;
    }
}
