using SRegistry.Core.Storage;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>gc [--dry-run]</c>: frees blobs no image references, or with <c>--dry-run</c> only says what it would free, on the
/// data folder and database the configuration names. Every removal re-checks the database, and pushes record their image
/// before sending bytes, so a running server's pushes keep their blobs; the blob locks that also cover a deduplicated
/// link racing the deletion of the last other copy are per process, though, so while a server runs prefer its admin area.
/// </summary>
public static class GarbageCommand
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "gc";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var unknown = args.Skip(1).Where(a => a != "--dry-run").ToList();
        if (unknown.Count > 0)
        {
            await error.WriteLineAsync($"gc: unknown argument '{unknown[0]}'; usage: gc [--dry-run]");
            return 2;
        }
        var dryRun = args.Contains("--dry-run");
        using var scope = services.CreateScope();
        var report = await scope.ServiceProvider.GetRequiredService<GarbageCollector>().CollectUnreferencedAsync(dryRun);
        await output.WriteLineAsync(dryRun
            ? $"Dry run: {report.Blobs} unreferenced blob(s), {report.Bytes} bytes would be freed; {report.BlobsKept} blob(s) in use kept."
            : $"Freed {report.Blobs} unreferenced blob(s), {report.Bytes} bytes; {report.BlobsKept} blob(s) in use kept.");
        return 0;
    }
}
