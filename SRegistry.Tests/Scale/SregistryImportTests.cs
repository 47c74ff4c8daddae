using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Audit;
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
        Assert.SkipUnless(LibraryClientDriver.Available, "the imported tags are pulled with the real library client: golang-go or its source is not installed");
        var (dryExit, dry) = await ImportAsync("--dry-run");
        Assert.True(dryExit == 0, dry);
        Assert.Contains("users: 7 would be created", dry, StringComparison.Ordinal);
        Assert.Contains("collection readers: 7 would be created", dry, StringComparison.Ordinal);
        Assert.Contains("tag annotations: 31 would be created", dry, StringComparison.Ordinal);
        Assert.Contains("stars: 11 would be created", dry, StringComparison.Ordinal);
        Assert.Equal(0, await Count(db => db.Users.CountAsync()));

        Assert.Equal(0, await Count(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ImportRun)));
        var (exit, output) = await ImportAsync();
        Assert.True(exit == 0, output);
        // One audit event for the run, by the server itself, listing what it created.
        var importEvent = Assert.Single(await Count(db => db.AuditEvents.Where(e => e.Action == AuditActions.ImportRun).ToListAsync()));
        Assert.Null(importEvent.UserId);
        Assert.Contains("users: 7 created", importEvent.Details, StringComparison.Ordinal);

        await AssertExpectedCountsAsync(server);
        Assert.Contains("archive-2023/old-pipeline:v0 (row 20): object archive-2023/old-pipeline:", output, StringComparison.Ordinal);
        Assert.Contains("an interrupted push, skipped", output, StringComparison.Ordinal);
        Assert.Contains("1 logged pull(s) of hpc-base/centos:7: no such tag was imported", output, StringComparison.Ordinal);
        Assert.Contains("lolcow:latest: digest", output, StringComparison.Ordinal);
        // storage.md: the contributors of these two were picked from a team their owners own.
        Assert.Contains("note\tcollection 'biocontainers': its contributors are all members of team 'bioinformatics-core'", output, StringComparison.Ordinal);
        Assert.Contains("note\tcollection 'imaging-pipelines': its contributors are all members of team 'imaging-lab'", output, StringComparison.Ordinal);
        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("note\t", StringComparison.Ordinal)));
        await AssertReadersLabelsAndStarsAsync();
        // What is inside each imported image was read on the way in, as a push reads it (one row per image).
        var withoutContents = await Count(db => db.Images.Where(i => !db.ImageContents.Any(c => c.ImageId == i.Id)).Select(i => i.Hash).ToListAsync());
        Assert.Empty(withoutContents);
        Assert.True(await Count(db => db.ImageContents.CountAsync(c => c.PartitionsJson != "[]")) > 0);

        // Every tag, pulled with the real client by an imported admin token, is the image's bytes.
        var adminToken = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'admin'");
        var tags = await Count(db => db.Tags.Select(t => new { Collection = t.Container!.Collection!.Name, Container = t.Container.Name, t.Name, t.Arch, t.Image!.Hash })
            .ToListAsync());
        foreach (var tag in tags)
        {
            await AssertRealClientPullsAsync(adminToken, tag.Collection, tag.Container, tag.Name, tag.Arch, tag.Hash);
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
        // A frozen tag stays where it was: moving it by a push is refused, and so is removing it.
        using (var sifs = new SifFiles())
        {
            var admin = new LibraryProtocol(server.Client(adminToken));
            var frozen = tags.Single(t => t.Collection == "hpc-base" && t.Container == "openmpi" && t.Name == "4.1.5");
            var sif = await sifs.CreateAsync(100_000);
            var containerId = await admin.EnsureContainerAsync("admin", "hpc-base", "openmpi");
            var (imageId, _) = await admin.EnsureImageAsync("admin/hpc-base/openmpi", containerId, sif.Hash);
            await admin.UploadSingleAsync(imageId, sif.Path, sif.Hash);
            var moved = await admin.Http.PostAsync($"v2/tags/{containerId}", LibraryProtocol.Json(new { Arch = "amd64", Tag = "4.1.5", ImageID = imageId }));
            Assert.Equal(HttpStatusCode.Conflict, moved.StatusCode);
            Assert.Equal(frozen.Hash, "sha256." + await admin.PullAsync("hpc-base/openmpi:4.1.5"));
            var deleted = await admin.Http.DeleteAsync("v1/images/hpc-base/openmpi:4.1.5?arch=amd64");
            Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
        }
        var privateTag = tags.First(t => t.Collection == "ml-models");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync($"v1/images/{privateTag.Collection}/{privateTag.Container}:{privateTag.Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client(adminToken).GetAsync($"v1/images/{privateTag.Collection}/{privateTag.Container}:{privateTag.Name}")).StatusCode);
        await AssertContributorPullsAndStrangerDoesNotAsync(privateTag.Container, privateTag.Name, privateTag.Hash, priyaToken);

        var (againExit, again) = await ImportAsync();
        Assert.True(againExit == 0, again);
        Assert.Contains("Import done: nothing new.", again, StringComparison.Ordinal);
        Assert.Equal(1, await Count(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ImportRun)));
        Assert.DoesNotContain(" 1 created", again, StringComparison.Ordinal);
        Assert.Contains("collection readers: 0 created, 0 updated, 7 already there", again, StringComparison.Ordinal);
        Assert.Contains("tag annotations: 0 created, 0 updated, 31 already there", again, StringComparison.Ordinal);
        Assert.Contains("stars: 0 created, 0 updated, 11 already there", again, StringComparison.Ordinal);
        await AssertReadersLabelsAndStarsAsync();
    }

    /// <summary>Contributors as readers, labels as tag annotations, stars: the very pairs the fixture's tables hold.</summary>
    private async Task AssertReadersLabelsAndStarsAsync()
    {
        var contributors = await fixture.RowsAsync("""
            SELECT c.name || ' ' || u.username FROM main_collection_contributors x JOIN main_collection c ON c.id = x.collection_id
            JOIN users_user u ON u.id = x.user_id
            """);
        Assert.Equal(7, contributors.Count);
        var readers = await Count(db => db.CollectionReaders.Select(r => r.Collection!.Name + " " + r.User!.Username).ToListAsync());
        Assert.Equal(contributors.Order(StringComparer.Ordinal), readers.Order(StringComparer.Ordinal));

        var labels = await fixture.RowsAsync("""
            SELECT col.name || '/' || c.name || ':' || c.tag || ' ' || l.key || '=' || l.value FROM main_label_containers lc
            JOIN main_label l ON l.id = lc.label_id JOIN main_container c ON c.id = lc.container_id JOIN main_collection col ON col.id = c.collection_id
            """);
        Assert.Equal(31, labels.Count);
        var annotations = await Count(db => db.TagAnnotations
            .Select(a => a.Tag!.Container!.Collection!.Name + "/" + a.Tag.Container.Name + ":" + a.TagName + " " + a.Key + "=" + a.Value).ToListAsync());
        Assert.Equal(labels.Order(StringComparer.Ordinal), annotations.Order(StringComparer.Ordinal));

        var stars = await fixture.RowsAsync("""
            SELECT c.name || ' ' || u.username FROM main_star s JOIN main_collection c ON c.id = s.collection_id JOIN users_user u ON u.id = s.user_id
            """);
        Assert.Equal(11, stars.Count);
        Assert.Equal(stars.Order(StringComparer.Ordinal),
            (await Count(db => db.Stars.Select(s => s.Collection!.Name + " " + s.User!.Username).ToListAsync())).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// priya was a contributor of the private ml-models: the real client pulls it for her byte for byte, while jdoe
    /// (neither owner nor contributor there) gets not found; and a reader still may not push.
    /// </summary>
    private async Task AssertContributorPullsAndStrangerDoesNotAsync(string container, string tag, string hash, string priyaToken)
    {
        var jdoeToken = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'jdoe'");
        var reference = $"ml-models/{container}:{tag}";
        Assert.Equal(HttpStatusCode.OK, (await server.Client(priyaToken).GetAsync($"v1/images/{reference}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client(jdoeToken).GetAsync($"v1/images/{reference}")).StatusCode);
        var collectionId = await Count(db => db.Collections.Where(c => c.Name == "ml-models").Select(c => c.Id).SingleAsync());
        var push = await server.Client(priyaToken).PostAsync("v1/containers", LibraryProtocol.Json(new { name = "intruder", collection = collectionId }));
        Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        var folder = Directory.CreateTempSubdirectory("sreg-reader-").FullName;
        try
        {
            var (mine, theirs) = (Path.Combine(folder, "priya.sif"), Path.Combine(folder, "jdoe.sif"));
            var pulled = await LibraryClientDriver.RunAsync(server.BaseUrl, priyaToken, "pull", $"ml-models/{container}", tag, mine);
            Assert.True(pulled.Succeeded, pulled.Stderr);
            Assert.Equal(hash, "sha256." + await SifFiles.Sha256Async(mine));
            var refused = await LibraryClientDriver.RunAsync(server.BaseUrl, jdoeToken, "pull", $"ml-models/{container}", tag, theirs);
            Assert.False(refused.Succeeded);
            Assert.Contains("not found", refused.Error, StringComparison.OrdinalIgnoreCase);
            Assert.False(File.Exists(theirs));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One tag pulled by Apptainer's library client into a file whose bytes must be the image's.</summary>
    private async Task AssertRealClientPullsAsync(string token, string collection, string container, string tag, string arch, string hash)
    {
        var folder = Directory.CreateTempSubdirectory("sreg-pulls-").FullName;
        try
        {
            var target = Path.Combine(folder, "pulled.sif");
            var pulled = await LibraryClientDriver.RunAsync(server.BaseUrl, token, "pull", $"{collection}/{container}", tag, target, "-arch", arch);
            Assert.True(pulled.Succeeded, $"{collection}/{container}:{tag}: {pulled.Stderr}");
            Assert.Equal(hash, "sha256." + await SifFiles.Sha256Async(target));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>README's table, from the raw tables where it can be.</summary>
    private async Task AssertExpectedCountsAsync(RegistryServer on)
    {
        Task<T> Count<T>(Func<RegistryDbContext, Task<T>> query) => on.InScopeAsync(sp => query(sp.GetRequiredService<RegistryDbContext>()));
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT count(*) FROM users_user"), await Count(db => db.Users.CountAsync()));
        Assert.Equal(2, await Count(db => db.Users.CountAsync(u => u.IsAdmin)));
        Assert.Equal(["lwong"], await Count(db => db.Users.Where(u => u.IsDisabled).Select(u => u.Username).ToListAsync()));
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT count(*) FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.is_active AND u.active"),
            await Count(db => db.ApiTokens.CountAsync()));
        // The fixture's 3 teams, and one owners' team for each of the 2 collections with co-owners (hpc-base, imaging-pipelines).
        Assert.Equal(5, await Count(db => db.Teams.CountAsync()));
        Assert.Equal(["admin", "mchen"], await Count(db => db.TeamMembers.Where(m => m.Team!.Name == "hpc-base-owners").Select(m => m.User!.Username).OrderBy(n => n).ToListAsync()));
        Assert.Equal(["hpc-base-owners"], await Count(db => db.CollectionTeams.Where(t => t.Collection!.Name == "hpc-base").Select(t => t.Team!.Name).ToListAsync()));
        Assert.Equal(1, await Count(db => db.Teams.CountAsync(t => t.JoinMode == SRegistry.Core.Model.TeamJoinMode.Open)));
        Assert.Equal(8, await Count(db => db.TeamMembers.CountAsync(m => !m.Team!.Name.EndsWith("-owners"))));
        Assert.Equal(8, await Count(db => db.Collections.CountAsync()));
        Assert.Equal(4, await Count(db => db.Collections.CountAsync(c => c.IsPrivate)));
        Assert.Equal(16, await Count(db => db.Containers.CountAsync()));
        // Downloads: sregistry's per-collection counters (86), carried per tag from its request log, less the one logged
        // GET of a tag that does not exist (hpc-base/centos:7, a 404 that sregistry counted too).
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT sum(count) FROM logs_apirequestcount WHERE method = 'get'") - 1,
            await Count(db => db.Containers.SumAsync(c => c.DownloadCount)));
        Assert.Equal(24 + 6, await Count(db => db.Containers.Where(c => c.Collection!.Name == "teaching").SumAsync(c => c.DownloadCount)));
        Assert.Equal(27, await Count(db => db.Tags.CountAsync()));
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT count(*) FROM main_container WHERE frozen AND tag NOT LIKE 'DUMMY-%'"),
            await Count(db => db.Tags.CountAsync(t => t.IsFrozen)));
        Assert.Equal(23, await Count(db => db.Images.Select(i => i.Hash).Distinct().CountAsync()));
        Assert.Equal(23, await on.InScopeAsync(async sp =>
        {
            var blobs = sp.GetRequiredService<SRegistry.Core.Storage.IBlobStore>();
            var count = 0;
            await foreach (var _ in blobs.ListHashesAsync())
            {
                count++;
            }
            return count;
        }));
    }

    [Fact]
    public async Task Bytes_in_the_ceph_bucket_import_the_same_and_pull_byte_for_byte()
    {
        Assert.SkipUnless(TestBackends.OnS3, "needs SREG_TEST_S3 (test.sh's second pass) for the bucket");
        Assert.SkipUnless(LibraryClientDriver.Available, "one tag is pulled with the real library client: golang-go or its source is not installed");
        var bucket = "sregistry-" + Guid.NewGuid().ToString("N")[..12];
        using var s3 = S3Buckets.Client();
        await s3.PutBucketAsync(bucket);
        try
        {
            // The bucket as sregistry's MinIO held it: one object per key; the folder keeps only the datafiles.
            var exported = Path.Combine(fixture.Storage, "minio", "sregistry");
            foreach (var file in Directory.GetFiles(exported, "*", SearchOption.AllDirectories))
            {
                await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
                {
                    BucketName = bucket, Key = Path.GetRelativePath(exported, file).Replace('\\', '/'), FilePath = file, UseChunkEncoding = false,
                });
            }
            Directory.Delete(Path.Combine(fixture.Storage, "minio"), recursive: true);
            var url = $"s3://{bucket}?endpoint={Uri.EscapeDataString(TestBackends.S3Url!)}&accessKey={TestBackends.S3AccessKey}&secretKey={TestBackends.S3SecretKey}";

            var (exit, output) = await ImportAsync("--storage", url);

            Assert.True(exit == 0, output);
            await AssertExpectedCountsAsync(server);
            var adminToken = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'admin'");
            var library = new LibraryProtocol(server.Client(adminToken));
            var tags = await Count(db => db.Tags.Select(t => new { C = t.Container!.Collection!.Name, N = t.Container.Name, t.Name, t.Arch, t.Image!.Hash, t.Image.Size })
                .ToListAsync());
            foreach (var tag in tags)
            {
                Assert.Equal(tag.Hash, "sha256." + await library.PullAsync($"{tag.C}/{tag.N}:{tag.Name}", tag.Arch));
            }
            // And the largest with Apptainer's own client.
            var largest = tags.MaxBy(t => t.Size)!;
            await AssertRealClientPullsAsync(adminToken, largest.C, largest.N, largest.Name, largest.Arch, largest.Hash);
            Assert.Contains("Import done: nothing new.", (await ImportAsync("--storage", url)).Output, StringComparison.Ordinal);
        }
        finally
        {
            await S3Buckets.DeleteAsync(bucket);
        }
    }

    [Fact]
    public async Task An_import_killed_midway_continues_where_it_stopped_and_ends_with_the_same_result()
    {
        await using var registry = new RegistryProcess();
        string[] command = ["import-sregistry", "--database", fixture.ConnectionString, "--storage", fixture.Storage];
        var blobs = Path.Combine(registry.DataPath, "blobs");
        using (var first = registry.StartCommand(command))
        {
            // Killed once some images are stored but (almost surely) not all of them.
            while (!first.HasExited && (!Directory.Exists(blobs) || Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Length < 3))
            {
                await Task.Delay(5);
            }
            registry.KillCommand(first);
        }
        var stored = Directory.Exists(blobs) ? Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Length : 0;

        var (exit, output, error) = await registry.RunCommandAsync(command);
        Assert.True(exit == 0, output + error);
        Assert.True(stored < 23 || output.Contains("nothing new", StringComparison.Ordinal), output);
        var (againExit, again, _) = await registry.RunCommandAsync(command);
        Assert.Equal(0, againExit);
        Assert.Contains("Import done: nothing new.", again, StringComparison.Ordinal);
        Assert.Equal(23, Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Length);
        Assert.Empty(await StoreFingerprint.ConsistencyProblemsAsync(registry.DataPath));
        Assert.Contains("tags: 0 created, 0 updated, 27 already there", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_that_cannot_be_annotations_are_reported_and_the_rest_arrive()
    {
        // A key with a line break, and a good label on the tag whose bytes are missing (row 20).
        await fixture.ScalarAsync<int>("""
            WITH l AS (INSERT INTO main_label (key, value) VALUES (E'bad\nkey', 'x') RETURNING id)
            INSERT INTO main_label_containers (label_id, container_id) SELECT id, 7 FROM l RETURNING id
            """);
        await fixture.ScalarAsync<int>("INSERT INTO main_label_containers (label_id, container_id) VALUES (7, 20) RETURNING id");

        var (exit, output) = await ImportAsync();

        Assert.True(exit == 0, output);
        Assert.Contains("on tag row 7: it contains control characters", output, StringComparison.Ordinal);
        Assert.Contains("not imported\tlabel 'gpu=true' on tag row 20: its tag was not imported", output, StringComparison.Ordinal);
        Assert.Equal(31, await Count(db => db.TagAnnotations.CountAsync()));
        Assert.DoesNotContain("bad", await Count(db => db.TagAnnotations.Select(a => a.Key).ToListAsync()));
    }

    [Fact]
    public async Task With_no_tokens_no_sregistry_key_becomes_a_token_and_none_is_accepted()
    {
        var (exit, output) = await ImportAsync("--no-tokens");
        Assert.True(exit == 0, output);
        Assert.Equal(0, await Count(db => db.ApiTokens.CountAsync()));
        var key = await fixture.ScalarAsync<string>("SELECT t.key FROM authtoken_token t JOIN users_user u ON u.id = t.user_id WHERE u.username = 'priya'");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client(key).GetAsync("v1/token-status")).StatusCode);
        Assert.Equal(7, await Count(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task An_imported_user_signing_in_through_oidc_lands_in_the_same_account_with_their_collections()
    {
        Assert.Equal(0, (await ImportAsync()).Exit);
        var before = await Count(db => db.Users.Where(u => u.Username == "jdoe").Select(u => u.Id).SingleAsync());

        var signedIn = (await server.InScopeAsync(sp => sp.GetRequiredService<SRegistry.Core.Accounts.ExternalAccounts>()
            .SignInAsync(new("https://idp.example.org", "oidc-subject-jdoe", "jdoe", "Jane Doe", "jdoe@example.org", true, [])))).User!;

        Assert.Equal(before, signedIn.Id);
        Assert.Equal(7, await Count(db => db.Users.CountAsync()));
        Assert.Contains("genomics-workflows", await Count(db => db.Collections.Where(c => c.OwnerId == signedIn.Id).Select(c => c.Name).ToListAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        await fixture.DisposeAsync();
    }
}
