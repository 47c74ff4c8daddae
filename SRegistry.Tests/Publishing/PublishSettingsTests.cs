using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Publishing;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Publishing;

/// <summary>
/// The <c>Registry:Publish</c> settings end to end, each with a real folder and pushes: a layout with {entity} and
/// {arch} puts every architecture at its own path (and only then arm64), <c>PublishByDefault=false</c> publishes
/// nothing until the owner switches it on, and <c>OwnerUid/OwnerGid</c> are the published file's owner (tests run as
/// root, so chown works).
/// </summary>
public sealed class PublishSettingsTests : IDisposable
{
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();

    public PublishSettingsTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    private RegistryServer Server(string subfolder, params (string Key, string Value)[] settings)
    {
        var server = new RegistryServer().With("Registry:Publish:Path", folder.PathOf(subfolder));
        foreach (var (key, value) in settings)
        {
            server.With(key, value);
        }
        return server;
    }

    [Fact]
    public async Task A_layout_with_entity_and_arch_publishes_each_architecture_at_its_own_path_and_without_arch_only_amd64()
    {
        var (amd, arm, other) = (await sifs.CreateAsync(150_000), await sifs.CreateAsync(150_000, arch: "arm64"), await sifs.CreateAsync(150_000));
        await using var withArch = Server("arch", ("Registry:Publish:Layout", "{entity}/{collection}/{container}/{arch}/{container}_{tag}.sif"));
        await using var withoutArch = Server("plain", ("Registry:Publish:Layout", "{entity}/{collection}/{container}_{tag}.sif"));
        foreach (var server in new[] { withArch, withoutArch })
        {
            var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("vera")));
            await library.PushAsync("vera/tools/seq", amd, tags: ["latest", "1.0"]);
            await library.PushAsync("vera/tools/seq", arm, arch: "arm64", tags: ["latest", "2.0"]);
            await library.PushAsync("vera/tools/seq", other, tags: "2.0");
        }

        var arch = new PublishedFolder(folder.PathOf("arch"));
        await arch.WaitForAsync(new Dictionary<string, string?>
        {
            ["vera/tools/seq/amd64/seq_latest.sif"] = amd.Hash,
            ["vera/tools/seq/amd64/seq_1.0.sif"] = amd.Hash,
            ["vera/tools/seq/amd64/seq_2.0.sif"] = other.Hash,
            ["vera/tools/seq/arm64/seq_latest.sif"] = arm.Hash,
            ["vera/tools/seq/arm64/seq_2.0.sif"] = arm.Hash,
        });
        Assert.Equal(5, arch.Files().Count);

        // Without {arch}: Registry:Publish:Arch (amd64) only; the arm64 tags of the same names never replace them.
        var plain = new PublishedFolder(folder.PathOf("plain"));
        await plain.WaitForAsync(new Dictionary<string, string?>
        {
            ["vera/tools/seq_latest.sif"] = amd.Hash,
            ["vera/tools/seq_1.0.sif"] = amd.Hash,
            ["vera/tools/seq_2.0.sif"] = other.Hash,
        });
        Assert.Equal(["vera/tools/seq_1.0.sif", "vera/tools/seq_2.0.sif", "vera/tools/seq_latest.sif"], plain.Files());
        Assert.Contains("Dry run: 0 would be added, 0 would be replaced, 0 would be removed, 3 unchanged", await ReconcileAsync(withoutArch, "--dry-run"), StringComparison.Ordinal);

        // The container page's list follows the layout: both architectures, at their full paths.
        var paths = await withArch.InScopeAsync(sp => sp.GetRequiredService<PublishPlan>().ForContainerAsync("tools", "seq"));
        Assert.Equal([("amd64", "1.0"), ("amd64", "2.0"), ("amd64", "latest"), ("arm64", "2.0"), ("arm64", "latest")], paths.Select(p => (p.Arch, p.Tag)));
        Assert.Equal(arch.PathOf("vera/tools/seq/arm64/seq_2.0.sif"), paths.Single(p => p.Arch == "arm64" && p.Tag == "2.0").FullPath);
    }

    [Fact]
    public async Task With_publish_by_default_off_nothing_is_published_until_the_owner_switches_a_collection_on()
    {
        await using var server = Server("opt-in", ("Registry:Publish:PublishByDefault", "false"));
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("otto")));
        var (chosen, left) = (await sifs.CreateAsync(150_000), await sifs.CreateAsync(150_000));
        await library.PushAsync("otto/chosen/tool", chosen, tags: "latest");
        await library.PushAsync("otto/left/tool", left, tags: "latest");
        var root = new PublishedFolder(folder.PathOf("opt-in"));
        Assert.Contains("Dry run: 0 would be added, 0 would be replaced, 0 would be removed, 0 unchanged", await ReconcileAsync(server, "--dry-run"), StringComparison.Ordinal);
        Assert.Empty(root.Files());

        var otto = await server.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            return await users.PrincipalForAsync((await users.EnsureLocalUserAsync("otto", false)).Id);
        });
        var before = await server.InScopeAsync(sp => sp.GetRequiredService<PublishChoices>().OfAsync(otto, "left"));
        Assert.False(before.Value!.Publishes);
        var switched = await server.InScopeAsync(sp => sp.GetRequiredService<PublishChoices>().SetAsync(otto, "chosen", true));
        Assert.True(switched.Succeeded && switched.Value!.Publishes, switched.Message);

        // The round that published the switched-on collection had the other one's push before it, and left it out.
        await root.WaitForAsync(new Dictionary<string, string?> { ["chosen/tool/tool_latest.sif"] = chosen.Hash });
        Assert.Equal(["chosen/tool/tool_latest.sif"], root.Files());
        Assert.Contains("Dry run: 0 would be added, 0 would be replaced, 0 would be removed, 1 unchanged", await ReconcileAsync(server, "--dry-run"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owner_uid_and_gid_are_given_to_published_files()
    {
        Assert.SkipUnless(Environment.UserName == "root", "only root can give files to another owner");
        // Copies: with hard links the owner would be the blob's too (docs/deploy.md §4).
        await using var server = Server("owned", ("Registry:Publish:OwnerUid", "4321"), ("Registry:Publish:OwnerGid", "8765"),
            ("Registry:Publish:HardLinks", "false"), ("Registry:Publish:FileMode", "0640"));
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("uma")));
        var sif = await sifs.CreateAsync(150_000);
        await library.PushAsync("uma/shared/tool", sif, tags: "latest");
        var root = new PublishedFolder(folder.PathOf("owned"));
        await root.WaitForAsync(new Dictionary<string, string?> { ["shared/tool/tool_latest.sif"] = sif.Hash });

        Assert.Equal("4321:8765 640 regular file", Stat(root.PathOf("shared/tool/tool_latest.sif")));
    }

    private static async Task<string> ReconcileAsync(RegistryServer server, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        await PublishCommand.RunAsync(server.Services, ["publish", "--reconcile", .. extra], output, error);
        return output + error.ToString();
    }

    /// <summary>Owner, group, mode and type as <c>stat</c> reports them.</summary>
    private static string Stat(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u:%g %a %F", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return output.Trim();
    }

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
