using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core.Data;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads.Staging;
using SRegistry.Core.Uploads;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Scale;

/// <summary>The S3 store's own paths against the real radosgw: big copies, the janitor's sweep, and the leader lock on PostgreSQL.</summary>
public sealed class ObjectStoreTests : IAsyncLifetime
{
    private readonly RegistryServer server = new RegistryServer().WithPartSize(5);
    private readonly SifFiles sifs = new();

    public ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TestBackends.OnS3 && TestBackends.OnPostgres, "needs SREG_TEST_POSTGRES and SREG_TEST_S3 (test.sh's second pass)");
        _ = server.BaseUrl;
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_upload_over_the_single_copy_limit_is_published_by_a_multipart_copy()
    {
        var options = server.Services.GetRequiredService<IOptions<BlobStoreOptions>>();
        using var store = new S3BlobStore(options, new TransferCounters());
        var staging = new S3StagingArea(store) { SingleCopyLimit = 5L * 1024 * 1024, CopyPartBytes = 5L * 1024 * 1024 };
        var bytes = RandomNumberGenerator.GetBytes((12 * 1024 * 1024) + 7);
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using (var http = new HttpClient())
        {
            var put = await http.PutAsync(staging.PresignSingleUpload("copytest", null, bytes.Length, TimeSpan.FromMinutes(5)), new ByteArrayContent(bytes));
            Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        }

        var staged = await staging.ReadStagedAsync("copytest", 16);
        await staging.PublishStagedAsync("copytest", staged);

        Assert.Equal(hex, staged.Sha256Hex);
        Assert.Null(await staging.StagedSizeAsync("copytest"));
        using var again = new HttpClient();
        var stored = await again.GetByteArrayAsync(store.PresignDownload(hex, TimeSpan.FromMinutes(5)));
        Assert.Equal(hex, Convert.ToHexStringLower(SHA256.HashData(stored)));
        Assert.Equal(0, await S3Buckets.OpenMultipartUploadsAsync(server.Backends.Bucket!));
    }

    [Fact]
    public async Task Expired_uploads_leave_nothing_in_the_bucket()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("ursula")));
        var sif = await sifs.CreateAsync(11 * 1024 * 1024);
        var containerId = await library.EnsureContainerAsync("ursula", "expiring", "tool");
        var (imageId, _) = await library.EnsureImageAsync("ursula/expiring/tool", containerId, sif.Hash);
        var plan = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { filesize = sif.Size })));
        var url = await LibraryProtocol.DataAsync(await library.Http.PutAsync($"v2/imagefile/{imageId}/_multipart",
            LibraryProtocol.Json(new { partSize = (long)plan["partSize"]!, uploadID = (string)plan["uploadID"]!, partNumber = 1, sha256sum = "" })));
        var firstPart = (await File.ReadAllBytesAsync(sif.Path))[..(int)(long)plan["partSize"]!];
        using (var anonymous = new HttpClient())
        {
            Assert.True((await anonymous.PutAsync((string)url["presignedURL"]!, new ByteArrayContent(firstPart))).IsSuccessStatusCode);
        }
        Assert.Equal(1, await server.LeftoverUploadsAsync());

        server.Clock.Advance(TimeSpan.FromHours(7));
        var removed = await server.InScopeAsync(sp => sp.GetRequiredService<UploadExpiry>().ExpireAsync());

        // The session with its staged part, and the image record it was for once that has gone quiet as long.
        Assert.InRange(removed, 1, 2);
        Assert.Equal(0, await server.LeftoverUploadsAsync());
    }

    [Fact]
    public async Task Only_one_replica_holds_a_named_lock_and_a_dead_holder_releases_it()
    {
        var connection = $"{TestBackends.PostgresServer};Database=postgres";
        var one = new DatabaseLocks(DatabaseProvider.PostgreSql, connection);
        var other = new DatabaseLocks(DatabaseProvider.PostgreSql, connection);
        var name = "test-" + Guid.NewGuid().ToString("N");

        var held = await one.TryAcquireAsync(name);
        Assert.NotNull(held);
        Assert.Null(await other.TryAcquireAsync(name));
        await held.DisposeAsync();
        await using (var taken = await other.TryAcquireAsync(name))
        {
            Assert.NotNull(taken);
        }

        // A replica that dies loses its connection, and PostgreSQL frees its locks with it.
        var orphan = await one.TryAcquireAsync(name);
        Assert.NotNull(orphan);
        Npgsql.NpgsqlConnection.ClearAllPools();
        await using (var admin = new Npgsql.NpgsqlConnection(connection))
        {
            await admin.OpenAsync();
            await using var kill = new Npgsql.NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = @key", admin);
            kill.Parameters.AddWithValue("key", DatabaseLocks.KeyOf(name));
            await kill.ExecuteNonQueryAsync();
        }
        // Termination is a signal: the backend exits, and its locks go, a moment later.
        IAsyncDisposable? afterDeath = null;
        for (var i = 0; i < 100 && afterDeath is null; i++)
        {
            afterDeath = await other.TryAcquireAsync(name);
            if (afterDeath is null)
            {
                await Task.Delay(50);
            }
        }
        Assert.NotNull(afterDeath);
        await afterDeath.DisposeAsync();
        await orphan.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        sifs.Dispose();
        await server.DisposeAsync();
    }
}
