using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Browsing;
using SRegistry.Core.Publishing;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Publishing;

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// The publish folder with Apptainer's own library client pushing and moving tags: a reader hashing every published
/// file throughout never sees a partial one; untag, delete, private and the owner's switch take files away.
/// </summary>
public sealed class PublishClientTests : IAsyncLifetime, IDisposable
{
    private readonly PublishedFolder folder = new();
    private readonly SifFiles sifs = new();
    private readonly RegistryServer copying;
    private readonly RegistryServer linking;
    private string copyToken = "", linkToken = "";

    public PublishClientTests()
    {
        // Copies (not links) make every write take time, so a non-atomic write would be seen by the reader.
        copying = new RegistryServer().With("Registry:Publish:Path", Path.Combine(folder.Root, "copies")).With("Registry:Publish:HardLinks", "false");
        linking = new RegistryServer().With("Registry:Publish:Path", Path.Combine(folder.Root, "links"));
    }

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "golang-go or the apptainer library client source is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        copyToken = await copying.CreateTokenAsync("alice");
        linkToken = await linking.CreateTokenAsync("bob");
    }

    private async Task Push(RegistryServer server, string token, (string Path, string Hash, long Size) sif, string reference, string tags, string arch = "amd64")
    {
        var pushed = await LibraryClientDriver.RunAsync(server.BaseUrl, token, "push", sif.Path, reference, "-tags", tags, "-arch", arch);
        Assert.True(pushed.Succeeded, pushed.Stderr);
    }

    [Fact]
    public async Task Pushes_and_tag_moves_replace_published_files_whole_while_a_reader_hashes_every_file()
    {
        var root = Path.Combine(folder.Root, "copies");
        var sizes = new long[] { 24, 16, 32, 8 }.Select(m => m * 1024 * 1024).ToArray();
        var images = new List<(string Path, string Hash, long Size)>();
        foreach (var size in sizes)
        {
            images.Add(await sifs.CreateAsync(size));
        }
        var arm = await sifs.CreateAsync(1024 * 1024, arch: "arm64");
        // Each path holds only what was tagged there: 'latest' any image moved to it so far, '1.0' and '2.0' their own, never arm64.
        var expected = new PublishedFolder.ExpectedImages().Allow("tools/aligner/aligner_latest.sif", images[0].Hash)
            .Allow("tools/aligner/aligner_1.0.sif", images[0].Hash).Allow("tools/aligner/aligner_2.0.sif", images[1].Hash);
        var latest = Path.Combine(root, "tools", "aligner", "aligner_latest.sif");

        await Push(copying, copyToken, images[0], "alice/tools/aligner", "latest,1.0");
        await WaitForAsync(root, new() { ["tools/aligner/aligner_latest.sif"] = images[0].Hash, ["tools/aligner/aligner_1.0.sif"] = images[0].Hash });
        PublishedFolder.Reader reader;
        await using (reader = new PublishedFolder.Reader(new PublishedFolder(root), expected).Start())
        {
            // Someone who opened the old file before the first move keeps reading its bytes after it.
            await using (var heldOpen = File.OpenRead(latest))
            {
                for (var n = 1; n < images.Count; n++)
                {
                    // Each push moves 'latest' to the new image: the published file is replaced while the reader reads it.
                    expected.Allow("tools/aligner/aligner_latest.sif", images[n].Hash);
                    await Push(copying, copyToken, images[n], "alice/tools/aligner", "latest");
                    await WaitForAsync(root, new() { ["tools/aligner/aligner_latest.sif"] = images[n].Hash });
                }
                Assert.Equal(images[0].Hash, "sha256." + Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(heldOpen)));
            }
            await Push(copying, copyToken, arm, "alice/tools/aligner", "latest", arch: "arm64");
            await Push(copying, copyToken, images[1], "alice/tools/aligner", "2.0");
            await WaitForAsync(root, new() { ["tools/aligner/aligner_2.0.sif"] = images[1].Hash });
        }

        Assert.Empty(reader.Wrong);
        Assert.True(reader.Reads > 10, $"the reader read only {reader.Reads} files");
        // Only amd64 (Registry:Publish:Arch) without {arch} in the layout: the arm64 latest did not replace it.
        Assert.Equal(images[^1].Hash, PublishedFolder.Sha256Of(latest));
        Assert.Equal(["tools/aligner/aligner_1.0.sif", "tools/aligner/aligner_2.0.sif", "tools/aligner/aligner_latest.sif"], new PublishedFolder(root).Files());
        Assert.Empty(Directory.GetFiles(root, ".*", SearchOption.AllDirectories));
        var info = new FileInfo(latest);
        Assert.Null(info.LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, info.UnixFileMode);
        if (!TestBackends.OnS3)
        {
            Assert.NotEqual(Inode(latest), Inode(StoreFingerprint.BlobPath(copying.DataPath, images[^1].Hash)));
        }
        // What the container page lists: one row per published tag, with the full path.
        var paths = await copying.InScopeAsync(sp => sp.GetRequiredService<PublishPlan>().ForContainerAsync("tools", "aligner"));
        Assert.Equal([("amd64", "1.0"), ("amd64", "2.0"), ("amd64", "latest")], paths.Select(p => (p.Arch, p.Tag)));
        Assert.Equal(latest, paths.Single(p => p.Tag == "latest").FullPath);
    }

    [Fact]
    public async Task Untag_delete_private_and_the_owners_switch_take_published_files_away_and_private_ones_never_appear()
    {
        var root = Path.Combine(folder.Root, "links");
        var (x, y, z, hidden) = (await sifs.CreateAsync(300_000), await sifs.CreateAsync(300_000), await sifs.CreateAsync(300_000), await sifs.CreateAsync(300_000));
        await Push(linking, linkToken, x, "bob/keep/tool", "a,b");
        await Push(linking, linkToken, y, "bob/goes-private/tool", "latest");
        await Push(linking, linkToken, z, "bob/switched/tool", "latest");
        await WaitForAsync(root, new()
        {
            ["keep/tool/tool_a.sif"] = x.Hash, ["keep/tool/tool_b.sif"] = x.Hash, ["goes-private/tool/tool_latest.sif"] = y.Hash,
            ["switched/tool/tool_latest.sif"] = z.Hash,
        });
        // Same filesystem as the data folder: the published file is a hard link to the blob, yet a regular file. (On S3, a verified copy.)
        if (!TestBackends.OnS3)
        {
            Assert.Equal(Inode(StoreFingerprint.BlobPath(linking.DataPath, x.Hash)), Inode(Path.Combine(root, "keep/tool/tool_a.sif")));
        }
        Assert.Null(new FileInfo(Path.Combine(root, "keep/tool/tool_a.sif")).LinkTarget);

        var bob = await linking.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            return await users.PrincipalForAsync((await users.EnsureLocalUserAsync("bob", false)).Id);
        });
        var untagged = await linking.InScopeAsync(sp => sp.GetRequiredService<ContainerBrowsing>().RemoveTagAsync(bob, "keep", "tool", "amd64", "a"));
        Assert.True(untagged.Succeeded, untagged.Message);
        var madePrivate = await linking.InScopeAsync(sp => sp.GetRequiredService<CollectionBrowsing>().UpdateAsync(bob, "goes-private", "", isPrivate: true));
        Assert.True(madePrivate.Succeeded, madePrivate.Message);
        var switchedOff = await linking.InScopeAsync(sp => sp.GetRequiredService<PublishChoices>().SetAsync(bob, "switched", false));
        Assert.True(switchedOff.Succeeded, switchedOff.Message);
        await WaitForAsync(root, new()
        {
            ["keep/tool/tool_a.sif"] = null, ["keep/tool/tool_b.sif"] = x.Hash, ["goes-private/tool/tool_latest.sif"] = null,
            ["switched/tool/tool_latest.sif"] = null,
        });
        Assert.False(Directory.Exists(Path.Combine(root, "goes-private")), "emptied folders go too");

        var deleted = await LibraryClientDriver.RunAsync(linking.BaseUrl, linkToken, "delete", "bob/keep/tool:b", "-arch", "amd64");
        Assert.True(deleted.Succeeded, deleted.Stderr);
        var switchedBack = await linking.InScopeAsync(sp => sp.GetRequiredService<PublishChoices>().SetAsync(bob, "switched", null));
        Assert.True(switchedBack.Succeeded && switchedBack.Value!.Publishes, switchedBack.Message);
        // A collection created private: its push is followed by a public one, and only the public one appears.
        await linking.InScopeAsync(sp => sp.GetRequiredService<CollectionBrowsing>().UpdateAsync(bob, "goes-private", "", isPrivate: true));
        await Push(linking, linkToken, hidden, "bob/goes-private/other", "latest");
        await Push(linking, linkToken, x, "bob/switched/later", "latest");
        await WaitForAsync(root, new() { ["keep/tool/tool_b.sif"] = null, ["switched/tool/tool_latest.sif"] = z.Hash, ["switched/later/later_latest.sif"] = x.Hash });
        Assert.Equal(["switched/later/later_latest.sif", "switched/tool/tool_latest.sif"], new PublishedFolder(root).Files());
    }

    private static Task WaitForAsync(string root, Dictionary<string, string?> expected) => new PublishedFolder(root).WaitForAsync(expected);

    internal static long Inode(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await copying.DisposeAsync();
        await linking.DisposeAsync();
    }

    public void Dispose()
    {
        sifs.Dispose();
        folder.Dispose();
    }
}
