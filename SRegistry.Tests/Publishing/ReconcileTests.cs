using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Publishing;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Publishing;

/// <summary>
/// <c>publish --reconcile [--dry-run]</c> after files were deleted or changed by hand: it writes back only what the
/// registry publishes, reports it, and never touches files it did not write.
/// </summary>
public sealed class ReconcileTests : IAsyncLifetime, IDisposable
{
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();
    private readonly RegistryServer server;
    private LibraryProtocol library = null!;

    public ReconcileTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        // The background publisher's own file check waits a day here, so only the command repairs the folder.
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
    public async Task Reconcile_writes_back_files_deleted_or_cut_short_by_hand_and_leaves_other_peoples_files_alone()
    {
        var (one, two) = (await sifs.CreateAsync(200_000), await sifs.CreateAsync(200_000));
        await library.PushAsync("rita/lab/one", one, tags: "latest");
        await library.PushAsync("rita/lab/two", two, tags: ["latest", "1.0"]);
        await folder.WaitForAsync(new Dictionary<string, string?>
        {
            ["lab/one/one_latest.sif"] = one.Hash, ["lab/two/two_latest.sif"] = two.Hash, ["lab/two/two_1.0.sif"] = two.Hash,
        });
        File.Delete(folder.PathOf("lab/one/one_latest.sif"));
        // Replaced by hand (a new file: writing into a hard link would change the blob it shares its bytes with).
        File.Delete(folder.PathOf("lab/two/two_1.0.sif"));
        await File.WriteAllBytesAsync(folder.PathOf("lab/two/two_1.0.sif"), [1, 2, 3]);
        var theirs = folder.PathOf("lab/two/notes.txt");
        await File.WriteAllTextAsync(theirs, "someone else's file");
        Directory.CreateDirectory(folder.PathOf("other"));
        await File.WriteAllTextAsync(folder.PathOf("other/image.sif"), "not ours");

        var (dryExit, dry) = await ReconcileAsync("--dry-run");
        Assert.Equal(0, dryExit);
        Assert.Contains("added\tlab/one/one_latest.sif", dry, StringComparison.Ordinal);
        Assert.Contains("replaced\tlab/two/two_1.0.sif", dry, StringComparison.Ordinal);
        Assert.Contains("Dry run: 1 would be added, 1 would be replaced, 0 would be removed, 1 unchanged, 0 problem(s)", dry, StringComparison.Ordinal);
        Assert.Null(folder.HashAt("lab/one/one_latest.sif"));

        var (exit, output) = await ReconcileAsync();
        Assert.Equal(0, exit);
        Assert.Contains("1 added, 1 replaced, 0 removed, 1 unchanged", output, StringComparison.Ordinal);
        Assert.Equal(one.Hash, folder.HashAt("lab/one/one_latest.sif"));
        Assert.Equal(two.Hash, folder.HashAt("lab/two/two_1.0.sif"));
        Assert.Equal("someone else's file", await File.ReadAllTextAsync(theirs));
        Assert.Equal("not ours", await File.ReadAllTextAsync(folder.PathOf("other/image.sif")));
        Assert.Contains("0 added, 0 replaced, 0 removed, 3 unchanged", (await ReconcileAsync()).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_refuses_bad_arguments_and_says_when_publishing_is_off()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, await PublishCommand.RunAsync(server.Services, ["publish"], output, error));
        Assert.Equal(2, await PublishCommand.RunAsync(server.Services, ["publish", "--reconcile", "--force"], output, error));
        Assert.Contains("unknown argument '--force'", error.ToString(), StringComparison.Ordinal);
        await using var off = new RegistryServer();
        Assert.Equal(2, await PublishCommand.RunAsync(off.Services, ["publish", "--reconcile"], output, error));
        Assert.Contains("Registry:Publish:Path is empty", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{collection}/{container}_{tag}.sif", null)]
    [InlineData("{entity}/{collection}/{container}/{arch}/{tag}.sif", null)]
    [InlineData("{collection}/{container}.sif", "must contain {collection}, {container} and {tag}")]
    [InlineData("{collection}/{container}/{tag}/{version}.sif", "unknown placeholder {version}")]
    [InlineData("../{collection}/{container}_{tag}.sif", "relative path")]
    [InlineData("/{collection}/{container}_{tag}.sif", "relative path")]
    public void Layouts_are_checked_at_startup(string layout, string? problem)
    {
        var parsed = PublishLayout.TryParse(layout, out var why);
        Assert.Equal(problem is null, parsed is not null);
        Assert.Contains(problem ?? "", why, StringComparison.Ordinal);
        if (parsed is not null)
        {
            Assert.Equal(layout.Replace("{entity}", "e").Replace("{collection}", "c").Replace("{container}", "n").Replace("{arch}", "arm64").Replace("{tag}", "1.0"),
                parsed.PathOf("e", "c", "n", "1.0", "arm64"));
        }
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
