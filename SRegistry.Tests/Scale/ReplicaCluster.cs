using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Api.Blobs;

namespace SRegistry.Tests.Scale;

/// <summary>
/// The scaled-out registry for real: N app processes (the same binary the site runs) sharing one PostgreSQL
/// database and one S3 bucket, behind nginx from Debian (round-robin for the library API, sticky by client address
/// for the dashboard). Each replica has its own data folder, so nothing is shared but the database and the bucket.
/// Started by a test class, stopped by PID; the database and bucket are dropped afterwards.
/// </summary>
public sealed class ReplicaCluster : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("sreg-replicas-").FullName;
    private readonly TestBackends backends = new();
    private readonly List<Replica> replicas = [];
    private Process? nginx;

    public static bool Available =>
        TestBackends.OnPostgres && TestBackends.OnS3 && File.Exists("/usr/sbin/nginx") && SifFiles.SiftoolAvailable
        && EndToEnd.LibraryClient.LibraryClientDriver.Available;

    public const long PartSize = 5L * 1024 * 1024;

    public int Count { get; init; } = 2;

    public string BaseUrl { get; private set; } = "";

    public string Bucket => backends.Bucket!;

    public IReadOnlyList<Replica> Replicas => replicas;

    public string UserToken { get; private set; } = "";

    public string AdminToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        var nginxPort = FreePort();
        BaseUrl = $"http://127.0.0.1:{nginxPort}";
        for (var i = 0; i < Count; i++)
        {
            replicas.Add(new Replica(i + 1, FreePort(), Path.Combine(folder, $"replica{i + 1}"), Environment(i + 1)));
        }
        // The first one migrates the new database; the others then start on it together.
        await replicas[0].StartAsync();
        await Task.WhenAll(replicas.Skip(1).Select(r => r.StartAsync()));
        StartNginx(nginxPort);
        await WaitForAsync($"{BaseUrl}/healthz");
        UserToken = await replicas[0].CreateTokenAsync("alice", admin: false);
        AdminToken = await replicas[0].CreateTokenAsync("root", admin: true);
    }

    /// <summary>Image bytes each replica moved, as it reports them itself (<c>GET /_blobs/counters</c>).</summary>
    public async Task<List<TransferCountersWire>> CountersAsync()
    {
        var all = new List<TransferCountersWire>();
        foreach (var replica in replicas.Where(r => r.IsRunning))
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            all.Add((await http.GetFromJsonAsync<TransferCountersWire>($"{replica.Url}/_blobs/counters"))!);
        }
        return all;
    }

    private Dictionary<string, string> Environment(int number)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Registry__DataPath"] = Path.Combine(folder, $"replica{number}"),
            ["Registry__PublicBaseUrl"] = BaseUrl,
            ["Registry__PartSizeBytes"] = PartSize.ToString(CultureInfo.InvariantCulture),
            // Another replica's write is seen within a second (docs/deploy.md).
            ["Registry__LookupCacheLifetime"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__SRegistry.Requests"] = "Information",
            ["Logging__Console__FormatterName"] = "systemd",
        };
        foreach (var (key, value) in backends.Settings())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }
        return environment;
    }

    private void StartNginx(int port)
    {
        var servers = string.Join("\n", replicas.Select(r => $"    server 127.0.0.1:{r.Port} max_fails=1 fail_timeout=30s;"));
        var conf = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(conf, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scale", "nginx.conf.template"))
            .Replace("@FOLDER@", folder, StringComparison.Ordinal)
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@SERVERS@", servers, StringComparison.Ordinal));
        var start = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", conf, "-p", folder })
        {
            start.ArgumentList.Add(arg);
        }
        nginx = Process.Start(start)!;
    }

    public async ValueTask DisposeAsync()
    {
        if (nginx is { HasExited: false })
        {
            // SIGTERM to the master (its PID, from its own pid file) ends its workers too; a SIGKILL would orphan them.
            using (var stop = Process.Start("/usr/sbin/nginx", ["-c", Path.Combine(folder, "nginx.conf"), "-p", folder, "-s", "stop"]))
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
        foreach (var replica in replicas)
        {
            await replica.StopAsync();
        }
        if (Available)
        {
            await backends.DisposeAsync();
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }

    internal static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    internal static async Task WaitForAsync(string url, Process? process = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"the process for {url} exited with {process.ExitCode}");
            }
            try
            {
                if ((await http.GetAsync(url)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{url} did not become healthy");
    }
}

/// <summary>One app process: the registry's own binary from the build output, with its own port and data folder.</summary>
public sealed class Replica(int number, int port, string dataPath, IReadOnlyDictionary<string, string> environment)
{
    private readonly ConcurrentQueue<string> log = new();
    private Process? process;

    public int Number => number;

    public int Port => port;

    public string Url => $"http://127.0.0.1:{port}";

    public bool IsRunning => process is { HasExited: false };

    /// <summary>"METHOD /path → status" for every request this replica logged.</summary>
    public IEnumerable<string> Requests => log.Where(l => l.Contains(" → ", StringComparison.Ordinal));

    public async Task StartAsync()
    {
        Directory.CreateDirectory(dataPath);
        var start = Start("--urls", Url);
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ReplicaCluster.WaitForAsync($"{Url}/healthz", process);
    }

    /// <summary>Ends the process at once, as a crash or an OOM kill would: no shutdown, no cleanup.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public async Task StopAsync()
    {
        Kill();
        await Task.CompletedTask;
        process?.Dispose();
    }

    /// <summary>The registry's own token command against the shared database: a token any replica accepts.</summary>
    public async Task<string> CreateTokenAsync(string user, bool admin)
    {
        var start = Start(["token", "create", "--user", user, .. admin ? new[] { "--admin" } : []]);
        using var command = Process.Start(start)!;
        var output = await command.StandardOutput.ReadToEndAsync();
        var errors = await command.StandardError.ReadToEndAsync();
        await command.WaitForExitAsync();
        if (command.ExitCode != 0)
        {
            throw new InvalidOperationException($"token create failed: {errors}{output}");
        }
        return output.Trim().Split('\n')[^1].Trim();
    }

    private ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataPath };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SRegistry.Web.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return start;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            log.Enqueue(line);
        }
    }

    public override string ToString() => $"replica {number} (:{port})";
}
