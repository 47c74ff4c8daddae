using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// The whole registry on a real loopback port, with its own data folder and SQLite file (or, in test.sh's second
/// pass, its own PostgreSQL database and S3 bucket: <see cref="TestBackends"/>), for protocol and end-to-end tests.
/// One per test class; everything it wrote is deleted on dispose.
/// </summary>
public class RegistryServer : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings = new(StringComparer.Ordinal);

    public RegistryServer()
    {
        DataPath = Directory.CreateTempSubdirectory("sreg-test-").FullName;
        UseKestrel(o => o.Listen(IPAddress.Loopback, Port));
    }

    /// <summary>The hosting environment; Development unless a test needs to see Production behaviour.</summary>
    public string Environment { get; init; } = "Development";

    /// <summary>0 picks a free port; a fixed one lets an identity provider know the redirect URI beforehand. Set before start.</summary>
    public int Port { get; init; }

    public string DataPath { get; }

    /// <summary>The database and bucket this server runs on when the PostgreSQL/S3 pass is on.</summary>
    public TestBackends Backends { get; } = new();

    /// <summary>The app's clock; move it forward to expire uploads, tokens and invitations.</summary>
    public TestClock Clock { get; } = new();

    /// <summary>Settings for this server, applied before it starts (e.g. <c>Registry:PartSizeBytes</c>).</summary>
    public RegistryServer With(string key, string? value)
    {
        settings[key] = value;
        return this;
    }

    /// <summary>Parts of the given size (MiB), so multipart pushes and pulls run with SIFs of a few MiB.</summary>
    public RegistryServer WithPartSize(int mebibytes) =>
        With("Registry:PartSizeBytes", (mebibytes * 1024L * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string BaseUrl
    {
        get
        {
            StartServer();
            return Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        }
    }

    /// <summary>An HTTP client on the real port, optionally with a bearer token.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/") };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async Task<string> CreateTokenAsync(string username, bool admin = false)
    {
        using var scope = Services.CreateScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserAccounts>().EnsureLocalUserAsync(username, admin);
        var issued = await scope.ServiceProvider.GetRequiredService<TokenService>().IssueAsync(user.Id, "test", null);
        return issued.Secret;
    }

    public async Task MakeCollectionPrivateAsync(string collectionName)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        var changed = await db.Collections.Where(c => c.Name == collectionName).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsPrivate, true));
        if (changed != 1)
        {
            throw new InvalidOperationException($"collection {collectionName} not found");
        }
    }

    /// <summary>
    /// Where the database and the blob store disagree (an image marked uploaded without its blob, or with a blob of
    /// another size). On SQLite and the folder also the file-level checks (integrity_check, stray files); on
    /// PostgreSQL and S3 through the app's own database and store.
    /// </summary>
    public async Task<List<string>> StoreProblemsAsync()
    {
        if (!TestBackends.OnPostgres && !TestBackends.OnS3)
        {
            return await StoreFingerprint.ConsistencyProblemsAsync(DataPath);
        }
        return await InScopeAsync(async sp =>
        {
            var blobs = sp.GetRequiredService<SRegistry.Core.Storage.IBlobStore>();
            var images = await sp.GetRequiredService<RegistryDbContext>().Images.AsNoTracking().Where(i => i.IsUploaded)
                .Select(i => new { i.Id, i.Hash, i.Size }).ToListAsync();
            var problems = new List<string>();
            foreach (var image in images)
            {
                var size = await blobs.GetSizeAsync(image.Hash["sha256.".Length..]);
                if (size != image.Size)
                {
                    problems.Add(size is null
                        ? $"image {image.Id} is marked uploaded but blob {image.Hash} is missing"
                        : $"image {image.Id} says {image.Size} bytes, blob has {size}");
                }
            }
            return problems;
        });
    }

    /// <summary>How many stored copies of the blob with this hash exist, in the folder or in the bucket (content addressing: 0 or 1).</summary>
    public async Task<int> BlobCopiesAsync(string hash) =>
        Backends.Bucket is { } bucket
            ? (await S3Buckets.KeysAsync(bucket, "blobs/")).Count(k => k.EndsWith("/" + hash[7..], StringComparison.Ordinal))
            : Directory.Exists(Path.Combine(DataPath, "blobs"))
                ? Directory.GetFiles(Path.Combine(DataPath, "blobs"), hash[7..], SearchOption.AllDirectories).Length
                : 0;

    /// <summary>Size of the stored blob with this hash, or null when it is not stored.</summary>
    public async Task<long?> BlobSizeAsync(string hash)
    {
        if (Backends.Bucket is { } bucket)
        {
            using var s3 = S3Buckets.Client();
            try
            {
                return (await s3.GetObjectMetadataAsync(bucket, $"blobs/sha256/{hash[7..9]}/{hash[7..]}")).ContentLength;
            }
            catch (Amazon.S3.AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }
        var file = new FileInfo(Path.Combine(DataPath, "blobs", "sha256", hash[7..9], hash[7..]));
        return file.Exists ? file.Length : null;
    }

    /// <summary>Bytes of uploads in progress left anywhere: upload files in the data folder, staged objects and open multipart uploads in the bucket.</summary>
    public async Task<int> LeftoverUploadsAsync()
    {
        var files = Directory.Exists(Path.Combine(DataPath, "uploads")) ? Directory.GetFiles(Path.Combine(DataPath, "uploads"), "*.upload").Length : 0;
        return Backends.Bucket is { } bucket
            ? files + (await S3Buckets.KeysAsync(bucket, "uploads/")).Count + await S3Buckets.OpenMultipartUploadsAsync(bucket)
            : files;
    }

    /// <summary>Writes the pulls counted in memory now, as the app does every few seconds and at shutdown.</summary>
    public Task FlushPullCountsAsync() => Services.GetRequiredService<SRegistry.Core.Statistics.PullCounter>().FlushAsync();

    /// <summary>Runs something against the app's own services (database, blob store) in a fresh scope.</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        using var scope = Services.CreateScope();
        return await work(scope.ServiceProvider);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Registry:DataPath", DataPath);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Pull counts reach the database only when a test flushes them (FlushPullCountsAsync), never by the app's timer
        // in the middle of a test that compares the store before and after a request.
        builder.UseSetting("Registry:PullCountFlushInterval", "01:00:00");
        foreach (var (key, value) in Backends.Settings())
        {
            builder.UseSetting(key, value);
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter>(new RequestRecorder(Requests));
        });
    }

    /// <summary>"METHOD /path" of every request the server received, in order: shows what a real client actually did.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    private sealed class RequestRecorder(System.Collections.Concurrent.ConcurrentQueue<string> requests) : IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
        {
            app.Use(nextMiddleware => context =>
            {
                requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        // SQLite pools connections; clear them so the folder can go.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Backends.DisposeAsync();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a late request; the OS temp cleaner takes it.
        }
    }
}

/// <summary>A class fixture for protocol tests: a registry with 5 MiB parts.</summary>
public sealed class SmallPartServer : RegistryServer
{
    public SmallPartServer() => WithPartSize(5);
}
