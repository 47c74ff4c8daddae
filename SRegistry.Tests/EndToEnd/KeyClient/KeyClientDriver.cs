using System.Diagnostics;
using System.Security.Cryptography;
using SRegistry.Tests.EndToEnd.LibraryClient;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// Apptainer's key client and the SIF signing code (Debian's Go sources, built offline by <c>build.sh</c> into a small
/// driver), run as a process. Built once per test run, cached by source hash; tests skip when a part is missing.
/// </summary>
public static class KeyClientDriver
{
    private static readonly string SourceFolder = Path.Combine(AppContext.BaseDirectory, "EndToEnd", "KeyClient");
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    public static bool Available =>
        File.Exists("/usr/bin/go") && GnuPG.Available
        && Directory.Exists("/usr/share/gocode/src/github.com/apptainer/container-key-client/client")
        && Directory.Exists("/usr/share/gocode/src/github.com/sylabs/sif/pkg/integrity");

    /// <summary>
    /// The key client refuses to send a token over plain http unless the host is literally <c>localhost</c>, so the
    /// loopback address of a test server is named that way.
    /// </summary>
    public static string KeyserverUrl(string baseUrl) => baseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public static async Task<DriverResult> RunAsync(string baseUrl, string? token, params string[] args)
    {
        var start = new ProcessStartInfo(await Binary.Value) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-url", KeyserverUrl(baseUrl), .. token is null ? [] : new[] { "-token", token }, .. args])
        {
            start.ArgumentList.Add(arg);
        }
        return await RunProcessAsync(start, TimeSpan.FromMinutes(3));
    }

    private static async Task<string> BuildAsync()
    {
        var source = await File.ReadAllBytesAsync(Path.Combine(SourceFolder, "driver", "main.go"));
        var key = Convert.ToHexStringLower(SHA256.HashData(source))[..16];
        var binary = Path.Combine(Path.GetTempPath(), "sregistry-keydriver", key, "keydriver");
        if (File.Exists(binary))
        {
            return binary;
        }
        var staging = binary + "." + Environment.ProcessId;
        var build = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        build.ArgumentList.Add(Path.Combine(SourceFolder, "build.sh"));
        build.ArgumentList.Add(staging);
        var result = await RunProcessAsync(build, TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"building the key client driver failed:\n{result.Stderr}");
        }
        File.Move(staging, binary, overwrite: true);
        return binary;
    }

    private static async Task<DriverResult> RunProcessAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} ran longer than {timeout}");
        }
        return new DriverResult(process.ExitCode, await stdout, await stderr);
    }
}
