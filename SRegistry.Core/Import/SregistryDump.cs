using Npgsql;

namespace SRegistry.Core.Import;

public sealed record SrUser(int Id, string Username, string FirstName, string LastName, string Email, bool IsAdmin, bool IsDisabled,
    DateTimeOffset Joined, DateTimeOffset? LastLogin);

public sealed record SrTeam(int Id, string Name, bool Open, IReadOnlyList<int> Owners, IReadOnlyList<int> Members);

public sealed record SrCollection(int Id, string Name, bool IsPrivate, DateTimeOffset Created, IReadOnlyList<int> Owners, IReadOnlyList<int> Contributors,
    long Downloads);

/// <summary>One <c>main_container</c> row: one tag. <see cref="Datafile"/> set: bytes on disk; null: a MinIO object.</summary>
public sealed record SrTag(int Id, int CollectionId, string Name, string Tag, string? Version, bool Frozen, string? Datafile, DateTimeOffset Saved)
{
    /// <summary>The bucket key (storage.md §2): collection/name:version, or name:version when the name has a '/'.</summary>
    public string ObjectKey(string collection) => (Name.Contains('/', StringComparison.Ordinal) ? Name : collection + "/" + Name) + ":" + Version;
}

/// <summary>One <c>main_label_containers</c> link: the label's key and value on one tag row.</summary>
public sealed record SrLabel(int TagRowId, string Key, string Value);

/// <summary>One <c>main_star</c> row.</summary>
public sealed record SrStar(int UserId, int CollectionId);

/// <summary>Everything the importer reads from an sregistry 2.1.2 database, loaded once (these databases are small).</summary>
public sealed record SregistryDump(IReadOnlyList<SrUser> Users, IReadOnlyDictionary<int, string> Tokens, IReadOnlyList<SrTeam> Teams,
    IReadOnlyList<SrCollection> Collections, IReadOnlyList<SrTag> Tags, IReadOnlyList<SrLabel> Labels, IReadOnlyList<SrStar> Stars, int Shares,
    IReadOnlyDictionary<string, long> PullsByReference)
{
    /// <summary>Logged GETs of one tag, by <c>collection/name:tag</c> (the request log's path after its API prefix); counted as sregistry counted them.</summary>
    public long PullsOf(string collection, SrTag tag) => PullsByReference.GetValueOrDefault($"{collection}/{tag.Name}:{tag.Tag}");

    public static async Task<SregistryDump> ReadAsync(string connectionString, CancellationToken ct = default)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(ct);
        var users = await RowsAsync(db, """
            SELECT id, username, first_name, last_name, email, is_superuser OR is_staff, NOT (is_active AND active), date_joined, last_login
            FROM users_user ORDER BY id
            """, r => new SrUser(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetBoolean(5), r.GetBoolean(6),
            r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8)), ct);
        var tokens = (await RowsAsync(db, "SELECT user_id, key FROM authtoken_token", r => (r.GetInt32(0), r.GetString(1)), ct))
            .ToDictionary(t => t.Item1, t => t.Item2);
        var teamOwners = await LinksAsync(db, "SELECT team_id, user_id FROM users_team_owners ORDER BY id", ct);
        var teamMembers = await LinksAsync(db, "SELECT team_id, user_id FROM users_team_members ORDER BY id", ct);
        var teams = await RowsAsync(db, "SELECT id, name, permission = 'open' FROM users_team ORDER BY id",
            r => new SrTeam(r.GetInt32(0), r.GetString(1), r.GetBoolean(2), teamOwners[r.GetInt32(0)].ToList(), teamMembers[r.GetInt32(0)].ToList()), ct);
        var owners = await LinksAsync(db, "SELECT collection_id, user_id FROM main_collection_owners ORDER BY id", ct);
        var contributors = await LinksAsync(db, "SELECT collection_id, user_id FROM main_collection_contributors ORDER BY id", ct);
        var downloads = (await RowsAsync(db, "SELECT collection_id, sum(count) FROM logs_apirequestcount WHERE method = 'get' AND collection_id IS NOT NULL GROUP BY collection_id",
            r => (r.GetInt32(0), r.GetInt64(1)), ct)).ToDictionary(d => d.Item1, d => d.Item2);
        var collections = await RowsAsync(db, "SELECT id, name, private, add_date FROM main_collection ORDER BY id",
            r => new SrCollection(r.GetInt32(0), r.GetString(1), r.GetBoolean(2), r.GetFieldValue<DateTimeOffset>(3), owners[r.GetInt32(0)].ToList(),
                contributors[r.GetInt32(0)].ToList(), downloads.GetValueOrDefault(r.GetInt32(0))), ct);
        var tags = await RowsAsync(db, """
            SELECT c.id, c.collection_id, c.name, c.tag, c.version, c.frozen, f.datafile, c.add_date
            FROM main_container c LEFT JOIN api_imagefile f ON f.id = c.image_id ORDER BY c.id
            """, r => new SrTag(r.GetInt32(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetBoolean(5),
            r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7)), ct);
        var labels = await RowsAsync(db, "SELECT lc.container_id, l.key, l.value FROM main_label_containers lc JOIN main_label l ON l.id = lc.label_id ORDER BY lc.id",
            r => new SrLabel(r.GetInt32(0), r.GetString(1), r.GetString(2)), ct);
        var stars = await RowsAsync(db, "SELECT user_id, collection_id FROM main_star ORDER BY id", r => new SrStar(r.GetInt32(0), r.GetInt32(1)), ct);
        return new SregistryDump(users, tokens, teams, collections, tags, labels, stars, await CountAsync(db, "main_share", ct), await PullsAsync(db, ct));
    }

    private static async Task<Dictionary<string, long>> PullsAsync(NpgsqlConnection db, CancellationToken ct)
    {
        var rows = await RowsAsync(db, """
            SELECT regexp_replace(path, '^/(api/container|v1/images)/', ''), count(*) FROM logs_apirequestlog
            WHERE method = 'GET' AND path ~ '^/(api/container|v1/images)/' GROUP BY 1
            """, r => (r.GetString(0), r.GetInt64(1)), ct);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    private static async Task<List<T>> RowsAsync<T>(NpgsqlConnection db, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    private static async Task<ILookup<int, int>> LinksAsync(NpgsqlConnection db, string sql, CancellationToken ct) =>
        (await RowsAsync(db, sql, r => (r.GetInt32(0), r.GetInt32(1)), ct)).ToLookup(l => l.Item1, l => l.Item2);

    private static async Task<int> CountAsync(NpgsqlConnection db, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", db);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
