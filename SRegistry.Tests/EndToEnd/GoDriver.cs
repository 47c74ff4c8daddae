using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.EndToEnd;

/// <summary>What one run of a driver did: exit code, JSON result (on success) and the client's log and error.</summary>
public sealed record DriverResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("driver printed no JSON");

    /// <summary>The client's own error message, as a user would read it.</summary>
    public string Error => Stderr.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? Stderr;
}

/// <summary>
/// A small Go program next to the tests (<c>EndToEnd/FOLDER/driver/*.go</c>), built offline by the
/// folder's <c>build.sh</c> against Debian's Go sources and run as a process. Built once per test run and cached
/// under the temp folder by source hash, so later runs start at once.
/// </summary>
public sealed class GoDriver
{
    private readonly string sourceFolder;
    private readonly string binaryName;
    private readonly Lazy<Task<string>> binary;

    public GoDriver(string folder, string binaryName)
    {
        sourceFolder = Path.Combine(AppContext.BaseDirectory, "EndToEnd", folder);
        this.binaryName = binaryName;
        binary = new Lazy<Task<string>>(BuildAsync);
    }

    /// <summary>Runs the driver; <paramref name="environment"/> adds variables (e.g. <c>SSL_CERT_FILE</c> for a test CA).</summary>
    public async Task<DriverResult> RunAsync(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(await binary.Value) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return await RunProcessAsync(start, timeout);
    }

    private async Task<string> BuildAsync()
    {
        // Keyed by every Go file of the driver, so a change to any of them builds afresh.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(Path.Combine(sourceFolder, "driver"), "*.go").Order(StringComparer.Ordinal))
        {
            hash.AppendData(await File.ReadAllBytesAsync(file));
        }
        var key = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        var path = Path.Combine(Path.GetTempPath(), "sregistry-" + binaryName, key, binaryName);
        if (File.Exists(path))
        {
            return path;
        }
        // Built under a name of this process's own, then moved: parallel test runs never run a half-written binary.
        var staging = path + "." + Environment.ProcessId;
        var build = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        build.ArgumentList.Add(Path.Combine(sourceFolder, "build.sh"));
        build.ArgumentList.Add(staging);
        var result = await RunProcessAsync(build, TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"building {binaryName} from {sourceFolder} failed:\n{result.Stderr}");
        }
        File.Move(staging, path, overwrite: true);
        return path;
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
