using Microsoft.Extensions.Options;
using SRegistry.Core.Data;
using SRegistry.Core.Publishing;
using SRegistry.Web.Hosting;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>publish --reconcile [--dry-run]</c>: makes the publish folder match the registry (after an outage, or the first
/// time) and says what it added, replaced and removed; with <c>--dry-run</c> only what it would. It touches only files
/// the registry recorded writing. On PostgreSQL it waits for a running server's publisher to finish its round; on
/// SQLite that lock is per process, so run it while the server is stopped (a running server reconciles by itself).
/// </summary>
public static class PublishCommand
{
    private const string Usage = "usage: publish --reconcile [--dry-run]";

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "publish";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var unknown = args.Skip(1).FirstOrDefault(a => a is not ("--reconcile" or "--dry-run"));
        if (unknown is not null || !args.Contains("--reconcile"))
        {
            await error.WriteLineAsync(unknown is null ? $"publish: --reconcile is required; {Usage}" : $"publish: unknown argument '{unknown}'; {Usage}");
            return 2;
        }
        var options = services.GetRequiredService<IOptions<PublishOptions>>().Value;
        if (!options.Enabled)
        {
            await error.WriteLineAsync("publish: Registry:Publish:Path is empty, so publishing is off; nothing to reconcile");
            return 2;
        }
        var dryRun = args.Contains("--dry-run");
        await using var held = await services.GetRequiredService<DatabaseLocks>().AcquireAsync(PublishWorker.LockName);
        using var scope = services.CreateScope();
        var report = await scope.ServiceProvider.GetRequiredService<FolderMirror>().ReconcileAsync(dryRun, checkFiles: true);
        var verb = dryRun ? "would be " : "";
        foreach (var (label, paths) in new[] { ("added", report.Added), ("replaced", report.Replaced), ("removed", report.Removed) })
        {
            foreach (var path in paths)
            {
                await output.WriteLineAsync($"{label}\t{path}");
            }
        }
        foreach (var problem in report.Problems)
        {
            await output.WriteLineAsync($"problem\t{problem}");
        }
        await output.WriteLineAsync($"{(dryRun ? "Dry run: " : "")}{report.Added.Count} {verb}added, {report.Replaced.Count} {verb}replaced, " +
            $"{report.Removed.Count} {verb}removed, {report.Unchanged} unchanged, {report.Problems.Count} problem(s) in {options.ResolvePath()}");
        return report.Problems.Count == 0 ? 0 : 1;
    }
}
