using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Accounts;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Import;

public sealed record ImportRequest(string DatabaseConnection, IReadOnlyList<string> Storage, bool DryRun, bool ImportTokens = true);

/// <summary>
/// Brings an sregistry 2.1.2 instance over (users, tokens, teams, collections; <see cref="ContributorImporter"/> their
/// readers, <see cref="ImageImporter"/> containers, tags and bytes, <see cref="LabelImporter"/> labels, <see cref="StarImporter"/> stars). Every row is matched by its natural key (username, team and collection name, …), so
/// running it again creates only what is new and updates only what changed; an interrupted run simply continues.
/// </summary>
public sealed class SregistryImporter(RegistryDbContext db, ImageImporter images, ContributorImporter contributors, LabelImporter labels,
    StarImporter stars, TimeProvider clock, AuditLog audit)
{
    public async Task<ImportReport> RunAsync(ImportRequest request, CancellationToken ct = default)
    {
        var dump = await SregistryDump.ReadAsync(request.DatabaseConnection, ct);
        using var storage = new SregistryStorage();
        foreach (var location in request.Storage)
        {
            storage.Add(location);
        }
        var report = new ImportReport();
        var users = await UsersAsync(dump, request, report, ct);
        await TeamsAsync(dump, users, request.DryRun, report, ct);
        var collections = await CollectionsAsync(dump, users, request.DryRun, report, ct);
        await contributors.ImportAsync(dump, users, collections, request.DryRun, report, ct);
        var tags = await images.ImportAsync(dump, collections, storage, request.DryRun, report, ct);
        await labels.ImportAsync(dump, tags, request.DryRun, report, ct);
        await stars.ImportAsync(dump, users, collections, request.DryRun, report, ct);
        if (dump.Shares > 0)
        {
            report.NotImported.Add($"{dump.Shares} share link(s): expiring download links are not carried over");
        }
        if (!request.DryRun && report.ChangedAnything)
        {
            // The import commits in steps, so its one event follows the last of them; the details list what changed.
            audit.Record(null, AuditActions.ImportRun, "sregistry import", string.Join("; ", report.Lines(dryRun: false)));
            await db.SaveChangesAsync(ct);
        }
        return report;
    }

    /// <summary>sregistry user id → user id here (null in a dry run for users not yet here).</summary>
    private async Task<Dictionary<int, string?>> UsersAsync(SregistryDump dump, ImportRequest request, ImportReport report, CancellationToken ct)
    {
        var map = new Dictionary<int, string?>();
        var now = clock.GetUtcNow();
        foreach (var source in dump.Users)
        {
            var name = ImportNames.User(source.Username);
            if (name is null)
            {
                report.NotImported.Add($"user {source.Id} '{source.Username}': no valid username can be made from it");
                continue;
            }
            if (name != source.Username)
            {
                report.Renamed.Add($"user '{source.Username}' → '{name}'");
            }
            var user = await db.Users.FirstOrDefaultAsync(u => u.Username == name, ct);
            var display = $"{source.FirstName} {source.LastName}".Trim();
            if (user is null)
            {
                report.Created("users");
                user = new User { Username = name, CreatedAt = source.Joined, LastSeenAt = source.LastLogin ?? source.Joined };
                if (!request.DryRun)
                {
                    db.Users.Add(user);
                }
            }
            else if (user.DisplayName == (display.Length > 0 ? display : name) && user.Email == source.Email && user.IsAdmin == source.IsAdmin
                     && user.IsDisabled == source.IsDisabled)
            {
                report.Unchanged("users");
            }
            else
            {
                report.Updated("users");
            }
            user.DisplayName = display.Length > 0 ? display : name;
            user.Email = source.Email;
            user.IsAdmin = source.IsAdmin;
            user.IsDisabled = source.IsDisabled;
            if (!request.DryRun)
            {
                await db.SaveChangesAsync(ct);
            }
            map[source.Id] = request.DryRun && db.Entry(user).State == EntityState.Detached ? null : user.Id;
            if (request.ImportTokens && dump.Tokens.TryGetValue(source.Id, out var key))
            {
                await TokenAsync(user, key, source.IsDisabled, request.DryRun, report, now, ct);
            }
        }
        db.ChangeTracker.Clear();
        return map;
    }

    /// <summary>The plain-text key stays valid as a bearer token; only its hash is stored.</summary>
    private async Task TokenAsync(User user, string key, bool disabled, bool dryRun, ImportReport report, DateTimeOffset now, CancellationToken ct)
    {
        if (disabled)
        {
            report.NotImported.Add($"token of disabled user '{user.Username}': not carried over");
            return;
        }
        var hash = TokenService.Hash(key);
        if (await db.ApiTokens.AnyAsync(t => t.SecretHash == hash, ct))
        {
            report.Unchanged("tokens");
            return;
        }
        report.Created("tokens");
        if (!dryRun)
        {
            db.ApiTokens.Add(new ApiToken { UserId = user.Id, Name = "imported from sregistry", SecretHash = hash, Prefix = key[..Math.Min(6, key.Length)], CreatedAt = now });
            await db.SaveChangesAsync(ct);
        }
    }

    private async Task TeamsAsync(SregistryDump dump, Dictionary<int, string?> users, bool dryRun, ImportReport report, CancellationToken ct)
    {
        foreach (var source in dump.Teams)
        {
            var name = ImportNames.User(source.Name);
            if (name is null || await db.Users.AnyAsync(u => u.Username == name, ct))
            {
                report.NotImported.Add($"team {source.Id} '{source.Name}': {(name is null ? "no valid name can be made from it" : "a user has that name")}");
                continue;
            }
            var team = await db.Teams.Include(t => t.Members).FirstOrDefaultAsync(t => t.Name == name, ct);
            var mode = source.Open ? TeamJoinMode.Open : TeamJoinMode.Invite;
            if (team is null)
            {
                report.Created("teams");
                team = new Team { Name = name, DisplayName = source.Name, JoinMode = mode, CreatedAt = clock.GetUtcNow() };
                if (!dryRun)
                {
                    db.Teams.Add(team);
                }
            }
            else
            {
                (team.JoinMode == mode ? (Action<string>)report.Unchanged : report.Updated)("teams");
                team.JoinMode = mode;
            }
            foreach (var member in source.Members.Union(source.Owners))
            {
                if (users.GetValueOrDefault(member) is not { } userId)
                {
                    continue;
                }
                var role = source.Owners.Contains(member) ? TeamRole.Owner : TeamRole.Member;
                var existing = team.Members.FirstOrDefault(m => m.UserId == userId);
                if (existing is null)
                {
                    report.Created("team members");
                    team.Members.Add(new TeamMember { TeamId = team.Id, UserId = userId, Role = role, JoinedAt = clock.GetUtcNow() });
                }
                else
                {
                    (existing.Role == role ? (Action<string>)report.Unchanged : report.Updated)("team members");
                    existing.Role = role;
                }
            }
            if (!dryRun)
            {
                await db.SaveChangesAsync(ct);
            }
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// A collection here has one owner; sregistry's other owners may push and manage it too. They become an owners'
    /// team named <c>&lt;collection&gt;-owners</c> assigned to the collection (push, and sight while private).
    /// </summary>
    private async Task CoOwnersAsync(string collection, string? collectionId, List<string> owners, bool dryRun, ImportReport report, CancellationToken ct)
    {
        var name = ImportNames.User(collection + "-owners");
        if (name is null || await db.Users.AnyAsync(u => u.Username == name, ct))
        {
            report.NotImported.Add($"collection '{collection}': its co-owners (a team '{name}' cannot be made: a user has that name)");
            return;
        }
        var team = await db.Teams.Include(t => t.Members).FirstOrDefaultAsync(t => t.Name == name, ct);
        if (team is null)
        {
            report.Created("co-owner teams");
            if (dryRun || collectionId is null)
            {
                return;
            }
            team = new Team { Name = name, DisplayName = $"Owners of {collection}", JoinMode = TeamJoinMode.Invite, CreatedAt = clock.GetUtcNow() };
            db.Teams.Add(team);
        }
        else
        {
            report.Unchanged("co-owner teams");
        }
        foreach (var owner in owners.Where(o => team.Members.All(m => m.UserId != o)))
        {
            team.Members.Add(new TeamMember { TeamId = team.Id, UserId = owner, Role = TeamRole.Owner, JoinedAt = clock.GetUtcNow() });
        }
        if (collectionId is not null && !await db.CollectionTeams.AnyAsync(t => t.CollectionId == collectionId && t.TeamId == team.Id, ct))
        {
            db.CollectionTeams.Add(new CollectionTeam { CollectionId = collectionId, TeamId = team.Id });
        }
        if (!dryRun)
        {
            await db.SaveChangesAsync(ct);
        }
        db.ChangeTracker.Clear();
    }

    /// <summary>sregistry collection id → (collection id here, name here).</summary>
    private async Task<Dictionary<int, (string? Id, string Name)>> CollectionsAsync(SregistryDump dump, Dictionary<int, string?> users, bool dryRun,
        ImportReport report, CancellationToken ct)
    {
        var map = new Dictionary<int, (string?, string)>();
        foreach (var source in dump.Collections)
        {
            var name = ImportNames.Collection(source.Name);
            var ownerId = source.Owners.Select(users.GetValueOrDefault).FirstOrDefault(id => id is not null);
            if (name is null || (ownerId is null && !dryRun))
            {
                report.NotImported.Add($"collection {source.Id} '{source.Name}': {(name is null ? "no valid name can be made from it" : "none of its owners was imported")}");
                continue;
            }
            var collection = await db.Collections.FirstOrDefaultAsync(c => c.Name == name, ct);
            if (collection is null)
            {
                report.Created("collections");
                collection = new Collection { Name = name, OwnerId = ownerId ?? "", IsPrivate = source.IsPrivate, CreatedAt = source.Created, UpdatedAt = source.Created };
                if (!dryRun)
                {
                    db.Collections.Add(collection);
                    await db.SaveChangesAsync(ct);
                }
            }
            else
            {
                (collection.IsPrivate == source.IsPrivate ? (Action<string>)report.Unchanged : report.Updated)("collections");
                collection.IsPrivate = source.IsPrivate;
                if (!dryRun)
                {
                    await db.SaveChangesAsync(ct);
                }
            }
            map[source.Id] = (dryRun && db.Entry(collection).State == EntityState.Detached ? null : collection.Id, name);
            db.ChangeTracker.Clear();
            if (source.Owners.Count > 1)
            {
                await CoOwnersAsync(name, map[source.Id].Item1, source.Owners.Select(users.GetValueOrDefault).OfType<string>().ToList(), dryRun, report, ct);
            }
        }
        return map;
    }
}
