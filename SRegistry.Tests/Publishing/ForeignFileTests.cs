using Microsoft.Extensions.DependencyInjection;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Publishing;

/// <summary>
/// Someone else's file at a path the registry would publish to: reported, never overwritten, and spared when the
/// registry's own files there go. Only changes wake the publisher here (its folder check waits a day).
/// </summary>
public sealed class ForeignFileTests : IAsyncLifetime, IDisposable
{
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();
    private readonly RegistryServer server;
    private LibraryProtocol library = null!;

    public ForeignFileTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        server = new RegistryServer().With("Registry:Publish:Path", folder.Root).With("Registry:Publish:CheckInterval", "1.00:00:00");
    }

    public async ValueTask InitializeAsync() => library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("rita")));

    private async Task<(int Exit, string Output)> ReconcileAsync(params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PublishCommand.RunAsync(server.Services, ["publish", "--reconcile", .. extra], output, error);
        return (exit, output + error.ToString());
    }

    [Fact]
    public async Task A_wanted_path_holding_someone_elses_file_is_reported_not_overwritten_and_removal_spares_their_files()
    {
        var sif = await sifs.CreateAsync(200_000);
        Directory.CreateDirectory(folder.PathOf("taken/tool"));
        await File.WriteAllTextAsync(folder.PathOf("taken/tool/tool_latest.sif"), "placed by hand");
        await library.PushAsync("rita/taken/tool", sif, tags: ["latest", "v2"]);
        await folder.WaitForAsync(new Dictionary<string, string?> { ["taken/tool/tool_v2.sif"] = sif.Hash });

        var (exit, output) = await ReconcileAsync();
        Assert.Equal(1, exit);
        Assert.Contains("problem\ttaken/tool/tool_latest.sif: a file the registry did not write is already there; left alone", output, StringComparison.Ordinal);
        Assert.Equal("placed by hand", await File.ReadAllTextAsync(folder.PathOf("taken/tool/tool_latest.sif")));

        // The collection stops publishing: the registry's file goes, the hand-placed one and its folder stay.
        await server.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<SRegistry.Core.Data.RegistryDbContext>();
            var collection = db.Collections.Single(c => c.Name == "taken");
            collection.Publish = false;
            return await db.SaveChangesAsync();
        });
        await folder.WaitForAsync(new Dictionary<string, string?> { ["taken/tool/tool_v2.sif"] = null });
        Assert.Equal("placed by hand", await File.ReadAllTextAsync(folder.PathOf("taken/tool/tool_latest.sif")));
        Assert.Contains("0 added, 0 replaced, 0 removed, 0 unchanged, 0 problem(s)", (await ReconcileAsync()).Output, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
