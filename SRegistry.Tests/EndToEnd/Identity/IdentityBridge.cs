using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.EndToEnd.Identity;

/// <summary>A person in the test directory.</summary>
public sealed record TestPerson(string Username, string Password, string Name, string[] Groups);

/// <summary>
/// OpenLDAP plus the OIDC bridge in front of it, on free loopback ports, for one test class. The bridge must know
/// the app's redirect URIs before it starts, so the app's port is picked first (<see cref="FreePort"/>) and handed to both.
/// Both processes are stopped by PID and the folder removed on dispose.
/// </summary>
public sealed class IdentityBridge : IAsyncDisposable
{
    public const string AdminGroup = "registry-admins";
    public static readonly TestPerson Alice = new("alice", "alicepw", "Alice Astronomer", ["astro"]);
    public static readonly TestPerson Bob = new("bob", "bobpw", "Bob Operator", ["astro", AdminGroup]);
    public static readonly TestPerson Carol = new("carol", "carolpw", "Carol Visitor", []);

    private readonly string folder = Directory.CreateTempSubdirectory("sreg-idp-").FullName;
    private int? slapdPid;
    private Process? bridge;

    private IdentityBridge()
    {
    }

    public string Authority { get; private set; } = "";
    public string ClientId => "sregistry";
    public string ClientSecret => "sregistry-secret";

    public static string SourceFolder { get; } = Path.Combine(Repository.Root, "SRegistry.Tests", "EndToEnd", "Identity");

    public static bool Available =>
        File.Exists("/usr/sbin/slapd") && File.Exists("/usr/bin/node") && Directory.Exists(Path.Combine(SourceFolder, "node_modules", "oidc-provider"));

    /// <summary>Settings that point the registry at this provider.</summary>
    public IEnumerable<KeyValuePair<string, string>> AppSettings()
    {
        yield return new("Authentication:Oidc:Authority", Authority);
        yield return new("Authentication:Oidc:ClientId", ClientId);
        yield return new("Authentication:Oidc:ClientSecret", ClientSecret);
        yield return new("Authentication:Oidc:RequireHttpsMetadata", "false");
        yield return new("Registry:AdminGroup", AdminGroup);
    }

    public static async Task<IdentityBridge> StartAsync(string appBaseUrl, CancellationToken ct = default)
    {
        var started = new IdentityBridge();
        try
        {
            await started.StartProcessesAsync(appBaseUrl.TrimEnd('/'), ct);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private async Task StartProcessesAsync(string app, CancellationToken ct)
    {
        var ldapPort = FreePort();
        var slapd = await RunAsync("bash", [Path.Combine(SourceFolder, "start-slapd.sh"), Path.Combine(folder, "ldap"), ldapPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        slapdPid = int.Parse(slapd.Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture);

        var opPort = FreePort();
        Authority = $"http://127.0.0.1:{opPort}";
        var start = new ProcessStartInfo("node", "bridge.mjs")
        {
            WorkingDirectory = SourceFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["OP_PORT"] = opPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LDAP_URL"] = $"ldap://127.0.0.1:{ldapPort}";
        start.Environment["CLIENT_ID"] = ClientId;
        start.Environment["CLIENT_SECRET"] = ClientSecret;
        start.Environment["REDIRECT_URIS"] = $"{app}/signin-oidc";
        start.Environment["POST_LOGOUT_URIS"] = $"{app}/signout-callback-oidc,{app}/";
        bridge = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        bridge.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        bridge.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        bridge.BeginOutputReadLine();
        bridge.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(100, ct))
        {
            if (bridge.HasExited)
            {
                break;
            }
            try
            {
                using var discovery = await http.GetAsync($"{Authority}/.well-known/openid-configuration", ct);
                if (discovery.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        lock (log)
        {
            throw new InvalidOperationException($"the OIDC bridge did not start:\n{log}");
        }
    }

    /// <summary>A loopback port nothing listens on: for the app's own port, and for "the provider is down" tests.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> RunAsync(string file, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await stderr}");
        }
        return await stdout;
    }


    public async ValueTask DisposeAsync()
    {
        if (bridge is { HasExited: false })
        {
            bridge.Kill(entireProcessTree: true);
            await bridge.WaitForExitAsync();
        }
        bridge?.Dispose();
        if (slapdPid is { } pid)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // slapd may still be closing its database; the temp folder is cleaned by the OS eventually
        }
    }
}
