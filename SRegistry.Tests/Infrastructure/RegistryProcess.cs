using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// The registry as a real child process (<c>dotnet SRegistry.Web.dll</c> from the build output, Production settings),
/// for faults an in-process server cannot suffer: <see cref="Kill"/> is <c>kill -9</c> by PID, and
/// <see cref="StartAsync"/> starts it again on the same data folder. Output is kept for tests that read the log.
/// </summary>
public sealed class RegistryProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> settings = new(StringComparer.Ordinal);
    private Process? process;

    public RegistryProcess(string? dataPath = null)
    {
        DataPath = dataPath ?? Directory.CreateTempSubdirectory("sreg-proc-").FullName;
        OwnsDataPath = dataPath is null;
    }

    public string DataPath { get; }

    private bool OwnsDataPath { get; }

    public string BaseUrl { get; private set; } = "";

    /// <summary>"https" when Kestrel serves TLS itself (its certificate set through <see cref="With"/>); <see cref="Handler"/> must then trust it.</summary>
    public string Scheme { get; init; } = "http";

    /// <summary>Makes the handler for this class's own HTTP clients (health polling, <see cref="Client"/>); null: the default one.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    private HttpClient NewHttpClient() => Handler is null ? new HttpClient() : new HttpClient(Handler(), disposeHandler: true);

    public int Pid => process?.Id ?? throw new InvalidOperationException("not running");

    /// <summary>Every line the server wrote to stdout and stderr, across restarts.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>An environment setting for the server (<c>Registry__PartSizeBytes</c>…), applied at the next start.</summary>
    public RegistryProcess With(string variable, string value)
    {
        settings[variable] = value;
        return this;
    }

    /// <summary>The web project's own build output; its configuration matches this test build's.</summary>
    public static string AppDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testBin.Parent!.Name;
            for (var dir = testBin; dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "SRegistry.Web", "bin", configuration, testBin.Name, "SRegistry.Web.dll");
                if (File.Exists(Path.Combine(dir.FullName, "SRegistry.sln")) && File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return Path.Combine(AppContext.BaseDirectory, "SRegistry.Web.dll");
        }
    }

    public async Task StartAsync()
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException("already running");
        }
        var port = FreePort();
        BaseUrl = $"{Scheme}://127.0.0.1:{port}";
        var start = StartInfo();
        start.ArgumentList.Add(AppDll);
        start.Environment["ASPNETCORE_URLS"] = BaseUrl;
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = NewHttpClient();
        http.Timeout = TimeSpan.FromSeconds(5);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited)
            {
                if (Output.Any(line => line.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
                {
                    // Another test's process took the free port first: start again on another one.
                    process = null;
                    await StartAsync();
                    return;
                }
                throw new InvalidOperationException($"the registry exited with {process.ExitCode}:\n{string.Join('\n', Output)}");
            }
            try
            {
                // Healthy, and it is this process that answers: with parallel tests another registry could hold the port.
                if ((await http.GetAsync(BaseUrl + "/healthz")).StatusCode == HttpStatusCode.OK && ListensOn(process.Id, port))
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
                // Starting slowly on a busy machine.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the registry did not become healthy:\n{string.Join('\n', Output)}");
    }

    /// <summary><c>kill -9</c>: no shutdown code runs, exactly like a crash or the OOM killer.</summary>
    public void Kill()
    {
        if (process is null)
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-9", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        process.WaitForExit();
        process.Dispose();
        process = null;
    }

    /// <summary>SIGTERM, as systemd stops a service: shutdown code runs (pending pull counts are written) before it exits.</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!)
        {
            await term.WaitForExitAsync();
        }
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        process.Dispose();
        process = null;
    }

    /// <summary><c>kill -9</c> of a command started with <see cref="StartCommand"/>.</summary>
    public void KillCommand(Process command)
    {
        if (command.HasExited)
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-9", command.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        command.WaitForExit();
    }

    /// <summary>The README's way to get a token without a browser: <c>token create</c> on the same binary and data folder.</summary>
    public async Task<string> CreateTokenAsync(string username, bool admin = false)
    {
        var start = StartInfo();
        foreach (var arg in new[] { AppDll, "token", "create", "--user", username })
        {
            start.ArgumentList.Add(arg);
        }
        if (admin)
        {
            start.ArgumentList.Add("--admin");
        }
        using var command = Process.Start(start)!;
        var stdout = await command.StandardOutput.ReadToEndAsync();
        var stderr = await command.StandardError.ReadToEndAsync();
        await command.WaitForExitAsync();
        if (command.ExitCode != 0)
        {
            throw new InvalidOperationException($"token create failed ({command.ExitCode}): {stderr}");
        }
        // The token is the last line the command prints; verbose log settings may add log lines around it.
        return stdout.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("sreg_", StringComparison.Ordinal));
    }

    /// <summary>Starts a command of the same binary without waiting (to kill it midway); output is discarded.</summary>
    public Process StartCommand(params string[] args)
    {
        var start = StartInfo();
        start.RedirectStandardOutput = false;
        start.RedirectStandardError = false;
        start.ArgumentList.Add(AppDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    /// <summary>Runs a command of the same binary on the same data folder and settings (<c>publish --reconcile</c>…): exit code and output.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(params string[] args)
    {
        var start = StartInfo();
        start.ArgumentList.Add(AppDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var command = Process.Start(start)!;
        var stdout = command.StandardOutput.ReadToEndAsync();
        var stderr = command.StandardError.ReadToEndAsync();
        await command.WaitForExitAsync();
        return (command.ExitCode, await stdout, await stderr);
    }

    public HttpClient Client(string? token = null)
    {
        var client = NewHttpClient();
        client.BaseAddress = new Uri(BaseUrl + "/");
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("BEARER", token);
        }
        return client;
    }

    private ProcessStartInfo StartInfo()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AppDll)!,
        };
        // Nothing of the test runner's own ASP.NET settings leaks into the child.
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                     || k.StartsWith("Registry__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Registry__DataPath"] = DataPath;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        return start;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            Output.Enqueue(line);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> holds the listening TCP socket on <paramref name="port"/> (read from /proc).</summary>
    private static bool ListensOn(int pid, int port)
    {
        var hexPort = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        var listening = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.Exists(table) ? File.ReadLines(table).Skip(1) : [])
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "0A")
                {
                    listening.Add($"socket:[{fields[9]}]");
                }
            }
        }
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget is { } target && listening.Contains(target));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        if (OwnsDataPath)
        {
            try
            {
                Directory.Delete(DataPath, recursive: true);
            }
            catch (IOException)
            {
                // Temp folder: the OS cleans it.
            }
        }
        return ValueTask.CompletedTask;
    }
}
