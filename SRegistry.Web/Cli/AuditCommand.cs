using SRegistry.Core.Audit;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>audit export [--user NAME] [--action ACTION] [--from TIME] [--to TIME]</c>: writes the audit trail, oldest first,
/// as JSON lines to standard output, from the database the configuration names (the same data as the admin area's export).
/// </summary>
public static class AuditCommand
{
    private const string Usage = "usage: audit export [--user NAME] [--action ACTION] [--from TIME] [--to TIME]";
    private static readonly string[] Flags = ["--user", "--action", "--from", "--to"];

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "audit";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, Stream? output = null, TextWriter? error = null)
    {
        error ??= Console.Error;
        if (args is not ["audit", "export", ..])
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 2; i < args.Length; i += 2)
        {
            if (!Flags.Contains(args[i]) || i + 1 >= args.Length || values.ContainsKey(args[i]))
            {
                await error.WriteLineAsync($"audit export: unexpected '{args[i]}'; {Usage}");
                return 2;
            }
            values[args[i]] = args[i + 1];
        }
        if (!AuditQuery.TryParseTime(values.GetValueOrDefault("--from"), out var from) || !AuditQuery.TryParseTime(values.GetValueOrDefault("--to"), out var to, endOfDay: true))
        {
            await error.WriteLineAsync("audit export: --from and --to are ISO 8601 times, e.g. 2026-12-01 or 2026-12-01T10:00:00Z");
            return 2;
        }
        var query = new AuditQuery(values.GetValueOrDefault("--user"), values.GetValueOrDefault("--action"), from, to);
        if (query.Problem() is { } problem)
        {
            await error.WriteLineAsync("audit export: " + problem);
            return 2;
        }
        using var scope = services.CreateScope();
        var stdout = output ?? Console.OpenStandardOutput();
        var written = await scope.ServiceProvider.GetRequiredService<AuditTrail>().ExportForServerAsync(query, stdout);
        await stdout.FlushAsync();
        await error.WriteLineAsync($"audit export: {written.Value} event(s)");
        return 0;
    }
}
