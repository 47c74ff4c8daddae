using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Import;

/// <summary>
/// sregistry's collection contributors (view and pull a private collection, no push) become collection readers here.
/// Matched by (collection, user): a second run adds only new ones, and readers added here later are never removed.
/// </summary>
public sealed class ContributorImporter(RegistryDbContext db, TimeProvider clock)
{
    public const string Kind = "collection readers";

    public async Task ImportAsync(SregistryDump dump, Dictionary<int, string?> users, Dictionary<int, (string? Id, string Name)> collections, bool dryRun,
        ImportReport report, CancellationToken ct)
    {
        var usernames = dump.Users.ToDictionary(u => u.Id, u => u.Username);
        foreach (var source in dump.Collections.Where(c => c.Contributors.Count > 0))
        {
            if (!collections.TryGetValue(source.Id, out var collection))
            {
                report.NotImported.Add($"{source.Contributors.Count} contributor(s) of collection '{source.Name}': the collection was not imported");
                continue;
            }
            var ownerId = collection.Id is null ? null
                : await db.Collections.AsNoTracking().Where(c => c.Id == collection.Id).Select(c => c.OwnerId).SingleAsync(ct);
            foreach (var contributor in source.Contributors)
            {
                var name = usernames.GetValueOrDefault(contributor, $"#{contributor}");
                if (!users.TryGetValue(contributor, out var userId))
                {
                    report.NotImported.Add($"contributor '{name}' of collection '{collection.Name}': the user was not imported");
                }
                else if (userId is null || collection.Id is null)
                {
                    report.Created(Kind);
                }
                else if (userId == ownerId)
                {
                    // The owner here may do everything already; a reader row would add nothing.
                    report.Unchanged(Kind);
                }
                else if (await db.CollectionReaders.AnyAsync(r => r.CollectionId == collection.Id && r.UserId == userId, ct))
                {
                    report.Unchanged(Kind);
                }
                else
                {
                    report.Created(Kind);
                    if (!dryRun)
                    {
                        db.CollectionReaders.Add(new CollectionReader { CollectionId = collection.Id, UserId = userId, AddedAt = clock.GetUtcNow() });
                        await db.SaveChangesAsync(ct);
                    }
                }
            }
            db.ChangeTracker.Clear();
            NoteMatchingTeam(dump, source, collection.Name, report);
        }
    }

    /// <summary>
    /// sregistry has no team grant, but owners picked contributors from their own teams: say where the contributors are
    /// exactly such a team's members, so an admin can decide to assign the team instead (which also grants push).
    /// </summary>
    private static void NoteMatchingTeam(SregistryDump dump, SrCollection source, string collection, ImportReport report)
    {
        foreach (var team in dump.Teams.Where(t => t.Owners.Intersect(source.Owners).Any() && source.Contributors.All(t.Members.Contains)))
        {
            report.Notes.Add($"collection '{collection}': its contributors are all members of team '{team.Name}', which an owner of the collection owns;"
                             + " they were imported as readers (assigning the team instead would also let them push)");
        }
    }
}
