using SRegistry.Tests.Oci;

namespace SRegistry.Tests.EndToEnd.OciClient;

/// <summary>
/// The containers/image driver (<c>driver/*.go</c>, built offline by <c>build.sh</c>) run as a process against one
/// OCI target; tests skip when Go or the containers/image source is missing.
/// </summary>
public static class OciClientDriver
{
    private static readonly GoDriver Driver = new("OciClient", "oci-driver");

    public static bool Available =>
        File.Exists("/usr/bin/go") && Directory.Exists("/usr/share/gocode/src/github.com/containers/image/docker");

    public static Task<DriverResult> RunAsync(OciTarget target, string repository, string tag, params string[] args) =>
        Driver.RunAsync(
            ["-registry", target.Host, "-repo", repository, "-tag", tag,
             .. target.User is null ? [] : new[] { "-user", target.User, "-password", target.Secret! }, .. args],
            TimeSpan.FromMinutes(5));
}
