using SRegistry.Core.Import;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>import-sregistry --database "CONNECTION" --storage FOLDER|s3://BUCKET?endpoint=URL [--storage …] [--dry-run] [--no-tokens]</c>:
/// brings users, tokens, teams, collections, contributors (as readers), containers, tags, labels (as tag annotations), stars
/// and image bytes over from an sregistry 2.1.2 instance.
/// Safe to run again (it adds only what is new or changed) and to interrupt. Prints counts and every row it left out.
/// </summary>
public static class ImportSregistryCommand
{
    private const string Usage = "usage: import-sregistry --database \"CONNECTION STRING\" --storage FOLDER|s3://BUCKET?endpoint=URL [--storage …] [--dry-run] [--no-tokens]";

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "import-sregistry";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        string? database = null;
        var storage = new List<string>();
        var (dryRun, tokens) = (false, true);
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--database" when i + 1 < args.Length:
                    database = args[++i];
                    break;
                case "--storage" when i + 1 < args.Length:
                    storage.Add(args[++i]);
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--no-tokens":
                    tokens = false;
                    break;
                default:
                    await error.WriteLineAsync($"import-sregistry: unexpected argument '{args[i]}'; {Usage}");
                    return 2;
            }
        }
        if (string.IsNullOrWhiteSpace(database) || storage.Count == 0)
        {
            await error.WriteLineAsync($"import-sregistry: --database and --storage are required; {Usage}");
            return 2;
        }
        using var scope = services.CreateScope();
        try
        {
            var report = await scope.ServiceProvider.GetRequiredService<SregistryImporter>().RunAsync(new ImportRequest(database, storage, dryRun, tokens));
            foreach (var line in report.Lines(dryRun))
            {
                await output.WriteLineAsync(line);
            }
            await output.WriteLineAsync(dryRun ? "Dry run: nothing was changed." : report.ChangedAnything ? "Import done." : "Import done: nothing new.");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or Npgsql.NpgsqlException)
        {
            await error.WriteLineAsync("import-sregistry: " + e.Message);
            return 2;
        }
    }
}
