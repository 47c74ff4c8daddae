using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Keys;
using SRegistry.Web.Api.Library;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Hkp;

/// <summary>
/// The HKP keyserver (docs/protocol/keyserver.md) at the root of the registry's origin, where the discovery document's
/// <c>keystoreAPI</c> points: <c>/pks/lookup</c> for everyone, <c>/pks/add</c> with a token. Its <c>/version</c> is the
/// registry's own. Errors use the library's JSON envelope: the key client shows its <c>message</c>.
/// </summary>
public static class KeyserverApi
{
    private const string PgpKeys = "application/pgp-keys";
    private const string PlainText = "text/plain; charset=utf-8";
    private const string NextPageHeader = "X-HKP-Next-Page-Token";

    public static IEndpointRouteBuilder MapKeyserver(this IEndpointRouteBuilder app)
    {
        var pks = app.MapApiGroup("/pks");
        pks.MapGet("/lookup", Lookup);
        pks.MapPost("/add", Add);
        return app;
    }

    public static async Task<Results<ContentHttpResult, LibraryError>> Lookup(HttpContext context, Keyserver keys, TimeProvider clock,
        CancellationToken ct)
    {
        var query = context.Request.Query;
        var request = LookupRequest.From(query);
        if (request.Error is { } error)
        {
            return LibraryError.BadRequest(error);
        }
        var search = KeyQuery.Parse(Single(query, "search"), request.Exact);
        if (!search.Succeeded)
        {
            return OutcomeResults.Error(search);
        }
        var page = await keys.LookupAsync(search.Value!, request.Offset, request.PageSize, ct);
        if (!page.Succeeded)
        {
            return OutcomeResults.Error(page);
        }
        if (page.Value!.Keys.Count == 0)
        {
            return LibraryError.NotFound($"no key matches '{Shorten(search.Value!.Value)}'");
        }
        if (page.Value.NextOffset is { } next)
        {
            context.Response.Headers[NextPageHeader] = next.ToString(CultureInfo.InvariantCulture);
        }
        // get returns the armour as pushed, whatever the options (the clients parse it directly).
        return request.Operation == "get"
            ? TypedResults.Text(Concatenate(page.Value.Keys), PgpKeys)
            : TypedResults.Text(HkpIndex.Format(page.Value.Keys, request.Fingerprints, clock.GetUtcNow()), PlainText);
    }

    public static async Task<Results<ContentHttpResult, LibraryError>> Add(KeyForm form, Caller caller, Keyserver keys,
        CancellationToken ct)
    {
        var published = await keys.PublishAsync(caller.Principal, form.KeyText, ct);
        if (!published.Succeeded)
        {
            return OutcomeResults.Error(published, caller);
        }
        var lines = published.Value!.Select(k => k.Publication switch
        {
            KeyPublication.Added => $"Key {k.Fingerprint} added",
            KeyPublication.Updated => $"Key {k.Fingerprint} updated (merged with the stored copy)",
            _ => $"Key {k.Fingerprint} unchanged (already up to date)",
        });
        return TypedResults.Text(string.Join('\n', lines) + "\n", PlainText);
    }

    /// <summary>Each key's armour exactly as stored, separated by a line break where one does not already end.</summary>
    private static string Concatenate(IReadOnlyList<KeyDetails> keys) =>
        string.Concat(keys.Select((k, i) => i < keys.Count - 1 && !k.Armored.EndsWith('\n') ? k.Armored + "\n" : k.Armored));

    private static string? Single(IQueryCollection query, string name) => query.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>The lookup's parameters other than <c>search</c>, checked.</summary>
    private sealed record LookupRequest(string Operation, bool Exact, bool Fingerprints, int Offset, int PageSize, string? Error)
    {
        private static readonly string[] Operations = ["get", "index", "vindex"];

        public static LookupRequest From(IQueryCollection query)
        {
            var invalid = (string message) => new LookupRequest("", false, false, 0, 0, message);
            foreach (var name in new[] { "op", "search", "options", "exact", "fingerprint", "x-pagesize", "x-pagetoken" })
            {
                if (query.TryGetValue(name, out var values) && values.Count > 1)
                {
                    return invalid($"{name} is given more than once");
                }
            }
            var op = Single(query, "op")?.ToLowerInvariant();
            if (string.IsNullOrEmpty(op) || !Operations.Contains(op))
            {
                return invalid("op must be get, index or vindex");
            }
            if (Flag(query, "exact") is not { } exact)
            {
                return invalid("exact must be on or off");
            }
            if (Flag(query, "fingerprint") is not { } fingerprints)
            {
                return invalid("fingerprint must be on or off");
            }
            var pageSize = Keyserver.DefaultPageSize;
            if (Single(query, "x-pagesize") is { Length: > 0 } size
                && (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > Keyserver.MaxPageSize))
            {
                return invalid($"x-pagesize must be a number from 1 to {Keyserver.MaxPageSize}");
            }
            var offset = 0;
            if (Single(query, "x-pagetoken") is { Length: > 0 } token
                && !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                return invalid("x-pagetoken is not a page token this server gave out");
            }
            // options (mr, nm, …) change nothing: the index is always machine-readable, and unknown options are ignored (HKP).
            return new LookupRequest(op, exact, fingerprints, offset, pageSize, null);
        }

        private static bool? Flag(IQueryCollection query, string name) => Single(query, name)?.ToLowerInvariant() switch
        {
            null or "" or "off" or "false" => false,
            "on" or "true" => true,
            _ => null,
        };
    }
}
