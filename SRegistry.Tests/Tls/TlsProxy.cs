using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SRegistry.Tests.Tls;

/// <summary>
/// Debian's nginx terminating TLS with <see cref="TestCertificates"/> on a free loopback port, proxying to one
/// registry over plain http. Its port is picked before the registry starts (an identity provider must know the public
/// URL first); <see cref="StartAsync"/> then points it at the registry. Stopped by its own pid file on dispose.
/// </summary>
public sealed class TlsProxy : IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("sreg-nginx-").FullName;
    private Process? nginx;

    public TlsProxy()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Available => File.Exists("/usr/sbin/nginx") && TestCertificates.Available;

    public int Port { get; }

    public string BaseUrl => $"https://127.0.0.1:{Port}";

    private string Conf => Path.Combine(folder, "nginx.conf");

    /// <summary>Lines of the access log: <c>client "request" status range="…"</c>.</summary>
    public string[] AccessLog => File.Exists(Path.Combine(folder, "nginx-access.log")) ? File.ReadAllLines(Path.Combine(folder, "nginx-access.log")) : [];

    /// <summary>
    /// The access log once it has a line matching <paramref name="wanted"/>: nginx writes a request's line after the
    /// response has gone out, so the client can be a moment ahead of the log. Gives up after 10 s and returns what is there.
    /// </summary>
    public async Task<string[]> AccessLogWithAsync(Func<string, bool> wanted)
    {
        for (var i = 0; i < 200 && !AccessLog.Any(wanted); i++)
        {
            await Task.Delay(50);
        }
        return AccessLog;
    }

    /// <param name="blobFolder">The registry's <c>blobs/</c> folder, for the offloaded downloads' internal location.</param>
    public async Task StartAsync(TestCertificates certificates, string upstreamBaseUrl, string? blobFolder = null)
    {
        var upstream = new Uri(upstreamBaseUrl);
        await File.WriteAllTextAsync(Conf, (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Tls", "nginx-tls.conf.template")))
            .Replace("@FOLDER@", folder, StringComparison.Ordinal)
            .Replace("@PORT@", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@CERT@", certificates.ServerPem, StringComparison.Ordinal)
            .Replace("@KEY@", certificates.ServerKey, StringComparison.Ordinal)
            .Replace("@BLOBS@", blobFolder ?? Path.Combine(folder, "no-blobs"), StringComparison.Ordinal)
            .Replace("@UPSTREAM@", $"{upstream.Host}:{upstream.Port}", StringComparison.Ordinal));
        var start = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", Conf, "-p", folder })
        {
            start.ArgumentList.Add(arg);
        }
        nginx = Process.Start(start)!;
        using var http = new HttpClient(certificates.TrustingHandler()) { Timeout = TimeSpan.FromSeconds(5) };
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(100))
        {
            if (nginx.HasExited)
            {
                break;
            }
            try
            {
                using var health = await http.GetAsync(BaseUrl + "/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        var error = Path.Combine(folder, "nginx-error.log");
        throw new InvalidOperationException("nginx did not come up: " + (File.Exists(error) ? await File.ReadAllTextAsync(error) : await nginx.StandardError.ReadToEndAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        if (nginx is { HasExited: false })
        {
            // SIGTERM to the master through its pid file ends its worker too.
            using (var stop = Process.Start("/usr/sbin/nginx", ["-c", Conf, "-p", folder, "-s", "stop"]))
            {
                await stop.WaitForExitAsync();
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await nginx.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                nginx.Kill(entireProcessTree: true);
            }
        }
        nginx?.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Temp folder: the OS cleans it.
        }
    }
}
