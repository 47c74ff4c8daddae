using System.Diagnostics;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Publishing;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The registry killed with <c>kill -9</c> while it writes a published file (a tag just moved, the copy under its
/// temporary name half done): the published path holds the old image or the new one, whole, never a partial file;
/// <c>publish --reconcile</c> finishes the job with the server down, and the restarted server agrees.
/// </summary>
public sealed class PublishCrashTests : IAsyncLifetime, IDisposable
{
    private const string Latest = "crash/tool/tool_latest.sif";
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();
    private readonly RegistryProcess registry;
    private string token = "";

    public PublishCrashTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        // Copies, not links: each write takes long enough to be caught in the middle.
        registry = new RegistryProcess().With("Registry__Publish__Path", folder.Root).With("Registry__Publish__HardLinks", "false");
    }

    public async ValueTask InitializeAsync()
    {
        token = await registry.CreateTokenAsync("crash");
        await registry.StartAsync();
    }

    [Fact]
    public async Task Killed_while_a_published_file_is_written_the_path_holds_the_old_or_the_new_image_and_reconcile_completes_it()
    {
        var (a, b) = (await sifs.CreateAsync(96L * 1024 * 1024), await sifs.CreateAsync(96L * 1024 * 1024));
        var library = new LibraryProtocol(registry.Client(token));
        var idA = await library.PushAsync("crash/crash/tool", a, tags: "latest");
        var idB = await library.PushAsync("crash/crash/tool", b, tags: "other");
        await folder.WaitForAsync(new Dictionary<string, string?> { [Latest] = a.Hash, ["crash/tool/tool_other.sif"] = b.Hash });
        var temporary = Path.Combine(folder.Root, "crash", "tool", ".tool_latest.sif.sregistry-partial");
        var caughtMidWrite = 0;

        for (var round = 0; round < 4; round++)
        {
            var (from, to, toId) = round % 2 == 0 ? (a, b, idB) : (b, a, idA);
            library = new LibraryProtocol(registry.Client(token));
            var containerId = await library.EnsureContainerAsync("crash", "crash", "tool");
            await library.SetTagAsync(containerId, toId, "latest");
            await KillOnceTheCopyStartsAsync(temporary);

            var after = folder.HashAt(Latest);
            Assert.True(after == from.Hash || after == to.Hash, $"round {round}: {Latest} held {after ?? "nothing"}");
            if (File.Exists(temporary))
            {
                // Killed before the rename: the old image is still there, whole.
                caughtMidWrite++;
                Assert.Equal(from.Hash, after);
            }

            var (exit, output, error) = await registry.RunCommandAsync("publish", "--reconcile");
            Assert.True(exit == 0, output + error);
            // Killed after the rename but before the row was marked done, the same bytes are written once more.
            Assert.Matches(after == to.Hash ? "[01] replaced" : "1 replaced", output);
            Assert.Equal(to.Hash, folder.HashAt(Latest));
            Assert.False(File.Exists(temporary), "reconcile clears what the killed write left");
            Assert.Equal(b.Hash, folder.HashAt("crash/tool/tool_other.sif"));
            await registry.StartAsync();
        }

        Assert.True(caughtMidWrite > 0, "no kill landed in the middle of a write");
        var (_, again, _) = await registry.RunCommandAsync("publish", "--reconcile", "--dry-run");
        Assert.Contains("Dry run: 0 would be added, 0 would be replaced, 0 would be removed, 2 unchanged", again, StringComparison.Ordinal);
    }

    /// <summary>Kills the server as soon as the temporary file of the write appears (or after 20 s, if the write never starts).</summary>
    private async Task KillOnceTheCopyStartsAsync(string temporary)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(temporary) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(1);
        }
        registry.Kill();
    }

    public async ValueTask DisposeAsync() => await registry.DisposeAsync();

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
