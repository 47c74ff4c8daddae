using System.Diagnostics;

namespace SRegistry.Tests.Oci;

/// <summary>What one skopeo run did.</summary>
public sealed record SkopeoResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>For assertion messages: what skopeo said.</summary>
    public override string ToString() => $"skopeo exited {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>
/// Debian's <c>/usr/bin/skopeo</c> against a plain-http loopback registry. A policy accepting anything, an empty
/// registries.d and an auth file of its own live in a temp folder, so the machine's /etc/containers is never read.
/// </summary>
public sealed class Skopeo : IDisposable
{
    private readonly string config = Directory.CreateTempSubdirectory("sreg-skopeo-").FullName;

    public Skopeo()
    {
        File.WriteAllText(Path.Combine(config, "policy.json"), """{"default":[{"type":"insecureAcceptAnything"}]}""");
        Directory.CreateDirectory(Path.Combine(config, "registries.d"));
        File.WriteAllText(Path.Combine(config, "registries.conf"), "");
    }

    public static bool Available => File.Exists("/usr/bin/skopeo");

    /// <summary><c>skopeo copy</c> keeping every digest; <paramref name="creds"/> (<c>user:token</c>) goes to whichever side is a registry.</summary>
    public Task<SkopeoResult> CopyAsync(string source, string destination, string? creds = null)
    {
        List<string> args = ["copy", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false"];
        if (creds is not null)
        {
            args.Add(source.StartsWith("docker://", StringComparison.Ordinal) ? "--src-creds" : "--dest-creds");
            args.Add(creds);
        }
        return RunAsync([.. args, source, destination]);
    }

    public Task<SkopeoResult> InspectRawAsync(string image, string? creds = null) =>
        RunAsync(["inspect", "--raw", "--tls-verify=false", .. Creds(creds), image]);

    public Task<SkopeoResult> ListTagsAsync(string repository, string? creds = null) =>
        RunAsync(["list-tags", "--tls-verify=false", .. Creds(creds), repository]);

    public Task<SkopeoResult> DeleteAsync(string image, string? creds = null) =>
        RunAsync(["delete", "--tls-verify=false", .. Creds(creds), image]);

    private static string[] Creds(string? creds) => creds is null ? [] : ["--creds", creds];

    private async Task<SkopeoResult> RunAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("/usr/bin/skopeo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--policy", Path.Combine(config, "policy.json"), "--registries.d", Path.Combine(config, "registries.d"), .. args])
        {
            start.ArgumentList.Add(arg);
        }
        // containers/image reads these from the environment: keep it on this folder's files, not the user's.
        start.Environment["CONTAINERS_REGISTRIES_CONF"] = Path.Combine(config, "registries.conf");
        start.Environment["REGISTRY_AUTH_FILE"] = Path.Combine(config, "auth.json");
        start.Environment["HOME"] = config;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"skopeo {string.Join(' ', start.ArgumentList)} ran longer than 2 minutes");
        }
        return new SkopeoResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(config, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: temp folder.
        }
    }
}
