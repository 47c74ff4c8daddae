using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Admin;

/// <summary>
/// <c>GET /admin/audit/export?user=&amp;action=&amp;from=&amp;to=</c>: the audit trail as JSON lines, oldest first, for
/// admins (a bearer token, or the dashboard's session: the export only reads). To anyone else it does not exist (404).
/// </summary>
public static class AuditExportApi
{
    public const string Path = "/admin/audit/export";
    public const string ContentType = "application/x-ndjson";

    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Export).ExcludeFromDescription();
        return app;
    }

    internal static Results<NotFound, BadRequest<string>, PushStreamHttpResult> Export(Caller caller, AuditTrail trail, TimeProvider clock,
        string? user, string? action, string? from, string? to)
    {
        if (!AccessPolicy.CanAdminister(caller.Principal))
        {
            return TypedResults.NotFound();
        }
        if (!AuditQuery.TryParseTime(from, out var since) || !AuditQuery.TryParseTime(to, out var until, endOfDay: true))
        {
            return TypedResults.BadRequest("from and to are ISO 8601 times, e.g. 2026-12-01 or 2026-12-01T10:00:00Z");
        }
        var query = new AuditQuery(user, action, since, until);
        if (query.Problem() is { } problem)
        {
            return TypedResults.BadRequest(problem);
        }
        var name = $"sregistry-audit-{clock.GetUtcNow():yyyyMMdd-HHmmss}.jsonl";
        return TypedResults.Stream(body => trail.ExportAsync(caller.Principal, query, body), ContentType, name);
    }
}
