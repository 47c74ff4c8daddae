using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>What one run of the driver did: exit code, JSON result (on success) and the client's log and error.</summary>
public sealed record DriverResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("driver printed no JSON");

    /// <summary>The client's own error message, as a user would read it.</summary>
    public string Error => Stderr.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? Stderr;
}

/// <summary>
/// Apptainer's library client (Debian's Go source, built offline by <c>build.sh</c> into a small driver), run as a
/// process. Built once per test run and cached by source hash; tests skip when Go or the client source is missing.
/// </summary>
public static class LibraryClientDriver
{
    private static readonly string SourceFolder = Path.Combine(AppContext.BaseDirectory, "EndToEnd", "LibraryClient");
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    public static bool Available =>
        File.Exists("/usr/bin/go") && Directory.Exists("/usr/share/gocode/src/github.com/apptainer/container-library-client/client");

    public static async Task<DriverResult> RunAsync(string baseUrl, string? token, params string[] args)
    {
        var binary = await Binary.Value;
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-url");
        start.ArgumentList.Add(baseUrl);
        if (token is not null)
        {
            start.ArgumentList.Add("-token");
            start.ArgumentList.Add(token);
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return await RunProcessAsync(start, TimeSpan.FromMinutes(5));
    }

    private static async Task<string> BuildAsync()
    {
        var source = await File.ReadAllBytesAsync(Path.Combine(SourceFolder, "driver", "main.go"));
        var key = Convert.ToHexStringLower(SHA256.HashData(source))[..16];
        var binary = Path.Combine(Path.GetTempPath(), "sregistry-driver", key, "driver");
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
            throw new InvalidOperationException($"building the library client driver failed:\n{result.Stderr}");
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
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} ran longer than {timeout}");
        }
        return new DriverResult(process.ExitCode, await stdout, await stderr);
    }
}
