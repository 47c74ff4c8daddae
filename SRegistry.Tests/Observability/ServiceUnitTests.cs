using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Observability;

/// <summary>
/// deploy/sregistry.service as a site installs it: the output of <c>dotnet publish</c> (not <c>dotnet run</c>), started
/// the way the unit starts it (its ExecStart and Environment lines, paths moved into a temporary folder), answers
/// /healthz; SIGTERM stops it cleanly; and systemd itself accepts the unit.
/// </summary>
public sealed class ServiceUnitTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string root = Directory.CreateTempSubdirectory("sreg-service-").FullName;

    [Fact]
    public async Task The_published_app_runs_as_the_unit_says_and_stops_on_SIGTERM()
    {
        var repository = Repository.Root;
        var unit = await File.ReadAllLinesAsync(Path.Combine(repository, "deploy", "sregistry.service"));
        var install = Path.Combine(root, "opt");
        var data = Path.Combine(root, "data");
        // The build the tests already made, published as a site publishes it: -c Release would compile it all again (two
        // minutes here) and change nothing the unit file sees.
        var published = await RunAsync("dotnet", ["publish", Path.Combine(repository, "SRegistry.Web"), "-c", Configuration, "--no-build", "-o", install, "-v", "q", "-nologo"]);
        Assert.True(published.ExitCode == 0, published.Output);

        var port = FreePort();
        string Moved(string value) => value.Replace("/opt/sregistry", install, StringComparison.Ordinal)
            .Replace("/var/lib/sregistry", data, StringComparison.Ordinal).Replace("127.0.0.1:5000", $"127.0.0.1:{port}", StringComparison.Ordinal);
        var execStart = Moved(Setting(unit, "ExecStart").Single());
        var start = new ProcessStartInfo(execStart) { WorkingDirectory = Moved(Setting(unit, "WorkingDirectory").Single()), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var assignment in Setting(unit, "Environment"))
        {
            var (name, value) = (assignment[..assignment.IndexOf('=', StringComparison.Ordinal)], assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            start.Environment[name] = Moved(value);
        }
        Assert.Equal("Production", start.Environment["ASPNETCORE_ENVIRONMENT"]);

        using var service = Process.Start(start)!;
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var healthy = false;
            for (var attempt = 0; attempt < 300 && !healthy && !service.HasExited; attempt++)
            {
                try
                {
                    healthy = (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }
            Assert.True(healthy, "the published app did not answer /healthz");
            Assert.True(File.Exists(Path.Combine(data, "registry.db")), "the data folder the unit names holds the database");

            await RunAsync("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)]);
            await service.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, service.ExitCode);
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill();
            }
        }
    }

    [Fact]
    public async Task Systemd_accepts_the_unit()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed");
        var unit = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "sregistry.service"));
        // Verified as installed: an executable where ExecStart points.
        var binary = Path.Combine(root, "SRegistry.Web");
        await File.WriteAllTextAsync(binary, "#!/bin/sh\n");
        await RunAsync("chmod", ["u+x", binary]);
        var copy = Path.Combine(root, "sregistry.service");
        await File.WriteAllTextAsync(copy, unit.Replace("ExecStart=/opt/sregistry/SRegistry.Web", $"ExecStart={binary}", StringComparison.Ordinal));

        var verified = await RunAsync("systemd-analyze", ["verify", copy]);
        Assert.True(verified.ExitCode == 0 && !verified.Output.Contains("sregistry.service:", StringComparison.Ordinal), verified.Output);
    }

    private static IEnumerable<string> Setting(IEnumerable<string> unit, string key) =>
        unit.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]);


    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(8));
        return (process.ExitCode, await output + await error);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
