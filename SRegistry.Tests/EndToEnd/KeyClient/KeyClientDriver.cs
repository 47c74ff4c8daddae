namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// Apptainer's key client and the SIF signing code (Debian's Go sources, built offline by <c>build.sh</c> into a small
/// driver), run as a process; tests skip when a part is missing.
/// </summary>
public static class KeyClientDriver
{
    private static readonly GoDriver Driver = new("KeyClient", "keydriver");

    public static bool Available =>
        File.Exists("/usr/bin/go") && GnuPG.Available
        && Directory.Exists("/usr/share/gocode/src/github.com/apptainer/container-key-client/client")
        && Directory.Exists("/usr/share/gocode/src/github.com/sylabs/sif/pkg/integrity");

    /// <summary>
    /// The key client refuses to send a token over plain http unless the host is literally <c>localhost</c>, so the
    /// loopback address of a test server is named that way.
    /// </summary>
    public static string KeyserverUrl(string baseUrl) => baseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public static Task<DriverResult> RunAsync(string baseUrl, string? token, params string[] args) =>
        Driver.RunAsync(["-url", KeyserverUrl(baseUrl), .. token is null ? [] : new[] { "-token", token }, .. args], TimeSpan.FromMinutes(3));
}
