using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Import;

/// <summary>sregistry's stars, matched by (collection, user); a star removed here later is not brought back unless sregistry still has it.</summary>
public sealed class StarImporter(RegistryDbContext db, TimeProvider clock)
{
    public const string Kind = "stars";

    public async Task ImportAsync(SregistryDump dump, Dictionary<int, string?> users, Dictionary<int, (string? Id, string Name)> collections, bool dryRun,
        ImportReport report, CancellationToken ct)
    {
        var usernames = dump.Users.ToDictionary(u => u.Id, u => u.Username);
        var collectionNames = dump.Collections.ToDictionary(c => c.Id, c => c.Name);
        foreach (var star in dump.Stars)
        {
            var (user, collection) = (usernames.GetValueOrDefault(star.UserId, $"#{star.UserId}"), collectionNames.GetValueOrDefault(star.CollectionId, $"#{star.CollectionId}"));
            if (!users.TryGetValue(star.UserId, out var userId) || !collections.TryGetValue(star.CollectionId, out var target))
            {
                report.NotImported.Add($"star of '{user}' on collection '{collection}': the {(users.ContainsKey(star.UserId) ? "collection" : "user")} was not imported");
                continue;
            }
            if (userId is null || target.Id is null)
            {
                report.Created(Kind);
                continue;
            }
            if (await db.Stars.AnyAsync(s => s.CollectionId == target.Id && s.UserId == userId, ct))
            {
                report.Unchanged(Kind);
                continue;
            }
            report.Created(Kind);
            if (!dryRun)
            {
                // sregistry keeps no time for a star: the import's time stands in.
                db.Stars.Add(new Star { CollectionId = target.Id, UserId = userId, StarredAt = clock.GetUtcNow() });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }
}
