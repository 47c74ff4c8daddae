using SRegistry.Core.Maintenance;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>backup --to DIR</c> (a consistent copy of a running single-node registry: a data folder to start a registry on)
/// and <c>fsck [--rehash]</c> (every disagreement between database and blob store; exit 1 when there is one).
/// </summary>
public static class MaintenanceCommands
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "backup" or "fsck";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        using var scope = services.CreateScope();
        if (args[0] == "fsck")
        {
            if (args.Skip(1).FirstOrDefault(a => a != "--rehash") is { } unknown)
            {
                await error.WriteLineAsync($"fsck: unknown argument '{unknown}'; usage: fsck [--rehash]");
                return 2;
            }
            var problems = await scope.ServiceProvider.GetRequiredService<StoreCheck>().RunAsync(args.Contains("--rehash"));
            foreach (var problem in problems)
            {
                await output.WriteLineAsync($"{problem.Kind.ToString().ToLowerInvariant()} sha256:{problem.Hash}: {problem.Detail}");
            }
            await output.WriteLineAsync(problems.Count == 0 ? "fsck: database and blob store agree" : $"fsck: {problems.Count} problem(s)");
            return problems.Count == 0 ? 0 : 1;
        }
        if (args.Length != 3 || args[1] != "--to")
        {
            await error.WriteLineAsync("backup: usage: backup --to DIR");
            return 2;
        }
        try
        {
            var report = await scope.ServiceProvider.GetRequiredService<RegistryBackup>().RunAsync(args[2]);
            await output.WriteLineAsync($"backup: {report.Images} image(s), {report.Blobs} blob(s), {report.Bytes} bytes " +
                $"({report.Linked} hard-linked, {report.Copied} copied) in {Path.GetFullPath(args[2])}");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync("backup: " + e.Message);
            return 1;
        }
    }
}
