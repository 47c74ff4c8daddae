using System.Diagnostics;
using System.Globalization;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Storage;

/// <summary>
/// A published blob survives a power cut: the app (a real process, traced by strace) fsyncs the verified bytes before
/// renaming them into place, and the blob's folder after, so the new name never points at bytes still in the page cache.
/// </summary>
public sealed class DurablePublishTests : IDisposable
{
    private readonly SifFiles sifs = new();
    private readonly string trace = Path.Combine(Path.GetTempPath(), $"sreg-strace-{Guid.NewGuid():N}.log");

    public DurablePublishTests()
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        Assert.SkipUnless(File.Exists("/usr/bin/strace"), "strace is not installed");
        Assert.SkipWhen(TestBackends.OnS3, "the folder store's rename; S3 publishes by an in-store copy");
    }

    [Fact]
    public async Task The_blob_is_flushed_before_its_rename_and_its_folder_after()
    {
        var (lines, hex) = await PushTracedAsync(flushToDisk: true);

        var rename = lines.FindIndex(l => l.Contains("rename", StringComparison.Ordinal) && l.Contains($"/{hex}\"", StringComparison.Ordinal));
        Assert.True(rename > 0, "the verified upload is renamed into blobs/:\n" + string.Join('\n', lines));
        var source = Quoted(lines[rename]);
        Assert.Contains(lines.Take(rename), l => l.Contains("fsync(", StringComparison.Ordinal) && l.Contains($"<{source}>", StringComparison.Ordinal));
        var folder = $"/blobs/sha256/{hex[..2]}>";
        Assert.Contains(lines.Skip(rename), l => l.Contains("fsync(", StringComparison.Ordinal) && l.Contains(folder, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Switched_off_for_measuring_the_blob_is_renamed_without_a_flush()
    {
        var (lines, hex) = await PushTracedAsync(flushToDisk: false);

        Assert.Contains(lines, l => l.Contains("rename", StringComparison.Ordinal) && l.Contains($"/{hex}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("fsync(", StringComparison.Ordinal) && l.Contains("/blobs/", StringComparison.Ordinal));
    }

    private async Task<(List<string> Lines, string Hex)> PushTracedAsync(bool flushToDisk)
    {
        await using var registry = new RegistryProcess().With("BlobStore__FlushToDisk", flushToDisk ? "true" : "false");
        var token = await registry.CreateTokenAsync("dora");
        await registry.StartAsync();
        var sif = await sifs.CreateAsync(200_000);
        // Attached to every thread of the running app; it ends by itself when the app is killed.
        var start = new ProcessStartInfo("strace", ["-f", "-y", "-s", "512", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
            "-o", trace, "-p", registry.Pid.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardError = true };
        using var strace = Process.Start(start)!;
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

        await new LibraryProtocol(registry.Client(token)).PushAsync("dora/durable/tool", sif);
        registry.Kill();
        await strace.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return ([.. await File.ReadAllLinesAsync(trace)], sif.Hash.Replace("sha256.", "", StringComparison.Ordinal));
    }

    /// <summary>The first quoted path of a traced rename: the file that was renamed.</summary>
    private static string Quoted(string line)
    {
        var start = line.IndexOf('"', StringComparison.Ordinal) + 1;
        return line[start..line.IndexOf('"', start)];
    }

    public void Dispose()
    {
        sifs.Dispose();
        File.Delete(trace);
    }
}
