namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// Apptainer's library client (Debian's Go source, built offline by <c>build.sh</c> into a small driver), run as a
/// process; tests skip when Go or the client source is missing.
/// </summary>
public static class LibraryClientDriver
{
    private static readonly GoDriver Driver = new("LibraryClient", "driver");

    public static bool Available =>
        File.Exists("/usr/bin/go") && Directory.Exists("/usr/share/gocode/src/github.com/apptainer/container-library-client/client");

    public static Task<DriverResult> RunAsync(string baseUrl, string? token, params string[] args) =>
        Driver.RunAsync(["-url", baseUrl, .. token is null ? [] : new[] { "-token", token }, .. args], TimeSpan.FromMinutes(5));

    /// <summary>The same, trusting only the CA in <paramref name="caFile"/> (Go reads <c>SSL_CERT_FILE</c> instead of the system's roots).</summary>
    public static Task<DriverResult> RunTrustingAsync(string caFile, string baseUrl, string? token, params string[] args) =>
        Driver.RunAsync(["-url", baseUrl, .. token is null ? [] : new[] { "-token", token }, .. args], TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { ["SSL_CERT_FILE"] = caFile, ["SSL_CERT_DIR"] = "/nonexistent" });
}
