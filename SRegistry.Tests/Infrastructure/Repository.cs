namespace SRegistry.Tests.Infrastructure;

/// <summary>The checkout the tests run from, for files that live beside the sources (npm packages, the systemd unit).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SRegistry.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("SRegistry.sln not found above the test binary");
    }
}
