using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SRegistry.Tests.Oci;

/// <summary>
/// Debian's <c>docker-registry</c> (CNCF distribution 2.8), the reference OCI registry, on a free loopback port with a
/// temp config: filesystem storage in its own folder, deletes enabled, no auth. Stopped by its PID on dispose.
/// </summary>
public sealed class DistributionRegistry : IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("sreg-distribution-").FullName;
    private Process? process;

    public static bool Available => File.Exists("/usr/bin/docker-registry");

    /// <summary><c>127.0.0.1:PORT</c>, as image references name it.</summary>
    public string Host { get; private set; } = "";

    public string BaseUrl => "http://" + Host;

    public async Task StartAsync()
    {
        var port = FreePort();
        Host = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var configFile = Path.Combine(folder, "config.yml");
        await File.WriteAllTextAsync(configFile, $"""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: {Path.Combine(folder, "data")}
              delete:
                enabled: true
            http:
              addr: {Host}
            """);
        var start = new ProcessStartInfo("/usr/bin/docker-registry") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(configFile);
        process = Process.Start(start)!;
        // Its log is not needed; reading it keeps the pipes from filling up.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                if ((await http.GetAsync(BaseUrl + "/v2/")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {process.ExitCode}");
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("docker-registry did not answer /v2/ within 10 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process?.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: temp folder.
        }
    }
}
