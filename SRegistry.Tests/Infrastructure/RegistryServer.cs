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
/// The whole registry on a real loopback port, with its own data folder and SQLite file, for protocol and
/// end-to-end tests. One per test class; everything it wrote is deleted on dispose.
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

    /// <summary>The app's clock; move it forward to expire uploads, tokens and invitations.</summary>
    public TestClock Clock { get; } = new();

    /// <summary>Settings for this server, applied before it starts (e.g. <c>Registry:PartSizeBytes</c>).</summary>
    public RegistryServer With(string key, string? value)
    {
        settings[key] = value;
        return this;
    }

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
        var user = await scope.ServiceProvider.GetRequiredService<UserDirectory>().EnsureLocalUserAsync(username, admin);
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
