using System.Diagnostics;
using System.Globalization;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Publishing;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// <c>kill -9</c> at each later step of a published file's write, not left to chance: strace holds the registry's
/// thread in the rename of the temporary file, either before it happens (the copy whole under its temporary name) or
/// just after (the new file in place, its row not yet marked done), and the registry is killed there. The path then
/// holds the old or the new image whole, and <c>publish --reconcile</c> repairs the rest.
/// (<see cref="PublishCrashTests"/> kills in the middle of the copy.)
/// </summary>
public sealed class PublishStepCrashTests : IAsyncLifetime, IDisposable
{
    private const string Latest = "crash/tool/tool_latest.sif";
    private const string Other = "crash/tool/tool_other.sif";
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();
    private readonly RegistryProcess registry;
    private string token = "";

    public PublishStepCrashTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        Assert.SkipUnless(File.Exists("/usr/bin/strace"), "strace is not installed");
        registry = new RegistryProcess().With("Registry__Publish__Path", folder.Root).With("Registry__Publish__HardLinks", "false");
    }

    private string Temporary => Path.Combine(folder.Root, "crash", "tool", ".tool_latest.sif.sregistry-partial");

    public async ValueTask InitializeAsync()
    {
        token = await registry.CreateTokenAsync("crash");
        await registry.StartAsync();
    }

    [Fact]
    public async Task Killed_before_and_after_the_rename_the_path_holds_a_whole_image_and_reconcile_repairs_the_rest()
    {
        var (a, b) = (await sifs.CreateAsync(8L * 1024 * 1024), await sifs.CreateAsync(8L * 1024 * 1024));
        var library = new LibraryProtocol(registry.Client(token));
        var idA = await library.PushAsync("crash/crash/tool", a, tags: "latest");
        var idB = await library.PushAsync("crash/crash/tool", b, tags: "other");
        await folder.WaitForAsync(new Dictionary<string, string?> { [Latest] = a.Hash, [Other] = b.Hash });

        // Step: the copy is whole under its temporary name, the rename not made.
        using (var held = await HoldTheRenameAsync("delay_enter"))
        {
            await MoveLatestAsync(idB);
            await WaitUntilAsync(() => new FileInfo(Temporary) is { Exists: true } t && t.Length == b.Size, "the temporary copy to be whole");
            await Task.Delay(500);
            await KillHeldAsync(held);
        }
        Assert.Equal(a.Hash, folder.HashAt(Latest));
        Assert.Equal(b.Hash, PublishedFolder.Sha256Of(Temporary));
        var (exit, output, error) = await registry.RunCommandAsync("publish", "--reconcile");
        Assert.True(exit == 0, output + error);
        Assert.Contains($"replaced\t{Latest}", output, StringComparison.Ordinal);
        Assert.Equal(b.Hash, folder.HashAt(Latest));
        Assert.False(File.Exists(Temporary), "reconcile clears what the killed write left");

        // Step: renamed into place, the row not yet marked done.
        await registry.StartAsync();
        using (var held = await HoldTheRenameAsync("delay_exit"))
        {
            await MoveLatestAsync(idA);
            await WaitUntilAsync(() => folder.HashAt(Latest) == a.Hash, "the new file to be in place");
            await KillHeldAsync(held);
        }
        Assert.Equal(a.Hash, folder.HashAt(Latest));
        Assert.False(File.Exists(Temporary));
        (exit, output, error) = await registry.RunCommandAsync("publish", "--reconcile");
        Assert.True(exit == 0, output + error);
        // The row still said "being written", so the file is written once more (proof the kill fell between the two).
        Assert.Contains($"replaced\t{Latest}", output, StringComparison.Ordinal);
        Assert.Equal(a.Hash, folder.HashAt(Latest));
        Assert.Equal(b.Hash, folder.HashAt(Other));

        await registry.StartAsync();
        var (_, again, _) = await registry.RunCommandAsync("publish", "--reconcile", "--dry-run");
        Assert.Contains("Dry run: 0 would be added, 0 would be replaced, 0 would be removed, 2 unchanged", again, StringComparison.Ordinal);
    }

    private async Task MoveLatestAsync(string imageId)
    {
        var library = new LibraryProtocol(registry.Client(token));
        await library.SetTagAsync(await library.EnsureContainerAsync("crash", "crash", "tool"), imageId, "latest");
    }

    /// <summary>
    /// strace attached to every thread of the running registry, delaying (by a minute, at <paramref name="when"/>: the
    /// rename's entry or exit) only renames of this write's temporary file; returns once it is attached.
    /// </summary>
    private async Task<Process> HoldTheRenameAsync(string when)
    {
        var renames = "rename,renameat,renameat2";
        string[] arguments = ["-f", "-o", "/dev/null", "-P", Temporary, "-e", "trace=" + renames, "-e", $"inject={renames}:{when}=60000000",
            "-p", registry.Pid.ToString(CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo("strace", arguments) { RedirectStandardError = true };
        var strace = Process.Start(start)!;
        var attached = new TaskCompletionSource();
        strace.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("attached", StringComparison.Ordinal) == true)
            {
                attached.TrySetResult();
            }
        };
        strace.BeginErrorReadLine();
        await attached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return strace;
    }

    /// <summary>
    /// kill -9 to the registry while strace holds its thread, then strace itself: left alone, strace only notices the
    /// death when its delay runs out (a minute per step, most of this test's time before).
    /// </summary>
    private async Task KillHeldAsync(Process strace)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-9", registry.Pid.ToString(CultureInfo.InvariantCulture)]))!)
        {
            await kill.WaitForExitAsync();
        }
        strace.Kill();
        await strace.WaitForExitAsync();
        registry.Kill();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"waited a minute for {what}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync() => await registry.DisposeAsync();

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
