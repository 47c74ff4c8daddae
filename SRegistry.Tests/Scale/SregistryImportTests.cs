using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Scale;

/// <summary>
/// <c>import-sregistry</c> against the sregistry 2.1.2 fixture in a throwaway PostgreSQL database and its storage in a
/// folder: the fixture's expected counts, every imported tag pulled byte for byte with the real client, imported
/// tokens accepted as they are, private stays private, and a second run changes nothing.
/// </summary>
public sealed class SregistryImportTests : IAsyncLifetime
{
    private readonly SregistryFixture fixture = new();
    // Imported users signing in through OIDC later land in the same account only with this setting (docs/deploy.md).
    private readonly RegistryServer server = new RegistryServer().With("Registry:LinkLocalAccountsByUsername", "true");

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(SregistryFixture.Available, "needs SREG_TEST_POSTGRES (test.sh's second pass), psql, siftool and shared/fixtures/sregistry");
        await fixture.LoadAsync();
    }

    private async Task<(int Exit, string Output)> ImportAsync(params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ImportSregistryCommand.RunAsync(server.Services,
            ["import-sregistry", "--database", fixture.ConnectionString, "--storage", fixture.Storage, .. extra], output, error);
        return (exit, output + error.ToString());
    }

    private Task<T> Count<T>(Func<RegistryDbContext, Task<T>> query) => server.InScopeAsync(sp => query(sp.GetRequiredService<RegistryDbContext>()));

    [Fact]
    public async Task The_fixture_imports_with_its_expected_counts_pulls_byte_for_byte_and_a_second_run_changes_nothing()
    {
        var (dryExit, dry) = await ImportAsync("--dry-run");
        Assert.True(dryExit == 0, dry);
        Assert.Contains("users: 7 would be created", dry, StringComparison.Ordinal);
        Assert.Equal(0, await Count(db => db.Users.CountAsync()));

        var (exit, output) = await ImportAsync();
        Assert.True(exit == 0, output);

        // README's table, from the raw tables where it can be.
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT count(*) FROM users_user"), await Count(db => db.Users.CountAsync()));
        Assert.Equal(2, await Count(db => db.Users.CountAsync(u => u.IsAdmin)));
        Assert.Equal(["lwong"], await Count(db => db.Users.Where(u => u.IsDisabled).Select(u => u.Username).ToListAsync()));
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT count(*) FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.is_active AND u.active"),
            await Count(db => db.ApiTokens.CountAsync()));
        Assert.Equal(3, await Count(db => db.Teams.CountAsync()));
        Assert.Equal(1, await Count(db => db.Teams.CountAsync(t => t.JoinMode == SRegistry.Core.Model.TeamJoinMode.Open)));
        Assert.Equal(8, await Count(db => db.Collections.CountAsync()));
        Assert.Equal(4, await Count(db => db.Collections.CountAsync(c => c.IsPrivate)));
        Assert.Equal(16, await Count(db => db.Containers.CountAsync()));
        Assert.Equal(27, await Count(db => db.Tags.CountAsync()));
        Assert.Equal(23, await Count(db => db.Images.Select(i => i.Hash).Distinct().CountAsync()));
        Assert.Equal(23, await server.InScopeAsync(async sp =>
        {
            var blobs = sp.GetRequiredService<SRegistry.Core.Storage.IBlobStore>();
            var count = 0;
            await foreach (var _ in blobs.ListHashesAsync())
            {
                count++;
            }
            return count;
        }));
        Assert.Contains("archive-2023/old-pipeline:v0 (row 20): object archive-2023/old-pipeline:", output, StringComparison.Ordinal);
        Assert.Contains("an interrupted push, skipped", output, StringComparison.Ordinal);
        Assert.Contains("lolcow:latest: digest", output, StringComparison.Ordinal);

        // Every tag, pulled with the real client by an imported admin token, is the image's bytes.
        var adminToken = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'admin'");
        var tags = await Count(db => db.Tags.Select(t => new { Collection = t.Container!.Collection!.Name, Container = t.Container.Name, t.Name, t.Arch, t.Image!.Hash })
            .ToListAsync());
        if (LibraryClientDriver.Available)
        {
            var folder = Directory.CreateTempSubdirectory("sreg-pulls-").FullName;
            foreach (var tag in tags)
            {
                var target = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".sif");
                var pulled = await LibraryClientDriver.RunAsync(server.BaseUrl, adminToken, "pull", $"{tag.Collection}/{tag.Container}", tag.Name, target, "-arch", tag.Arch);
                Assert.True(pulled.Succeeded, $"{tag.Collection}/{tag.Container}:{tag.Name}: {pulled.Stderr}");
                Assert.Equal(tag.Hash, "sha256." + await SifFiles.Sha256Async(target));
                File.Delete(target);
            }
            Directory.Delete(folder, recursive: true);
        }

        // An imported key is accepted by remote login's check and can push; private collections stay invisible to others.
        var priyaToken = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'priya'");
        Assert.Equal(HttpStatusCode.OK, (await server.Client(priyaToken).GetAsync("v1/token-status")).StatusCode);
        using (var sifs = new SifFiles())
        {
            var library = new LibraryProtocol(server.Client(priyaToken));
            var sif = await sifs.CreateAsync(100_000);
            await library.PushAsync("priya/biocontainers/newtool", sif, tags: "1.0");
            Assert.Equal(sif.Hash, "sha256." + await library.PullAsync("biocontainers/newtool:1.0"));
        }
        var privateTag = tags.First(t => t.Collection == "ml-models");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync($"v1/images/{privateTag.Collection}/{privateTag.Container}:{privateTag.Name}")).StatusCode);
        // priya was a contributor (read-only) in sregistry, which has no counterpart here: she does not see it.
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client(priyaToken).GetAsync($"v1/images/{privateTag.Collection}/{privateTag.Container}:{privateTag.Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client(adminToken).GetAsync($"v1/images/{privateTag.Collection}/{privateTag.Container}:{privateTag.Name}")).StatusCode);

        var (againExit, again) = await ImportAsync();
        Assert.True(againExit == 0, again);
        Assert.Contains("Import done: nothing new.", again, StringComparison.Ordinal);
        Assert.DoesNotContain(" 1 created", again, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        await fixture.DisposeAsync();
    }
}
