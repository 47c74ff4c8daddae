using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using SRegistry.Core;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Auth;
using SRegistry.Web.Components.Shared;

namespace SRegistry.Tests.Dashboard;

/// <summary>
/// bUnit with MudBlazor and the real Core services on a real SQLite file in a temp folder: components are tested
/// against the same rules and data the running app uses.
/// </summary>
public abstract class DashboardTest : BunitContext
{
    private readonly string dataPath = Directory.CreateTempSubdirectory("sreg-ui-").FullName;

    // PostgreSQL and S3 in test.sh's second pass, SQLite and the folder otherwise.
    private readonly TestBackends backends = new();

    protected DashboardTest() : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>With extra settings for the registry (<c>Registry:Publish:Path</c>…).</summary>
    protected DashboardTest(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Registry:DataPath"] = dataPath })
            .AddInMemoryCollection(backends.Settings())
            .AddInMemoryCollection(settings)
            .Build();
        Services.AddRegistryCore(configuration);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddMudServices();
        Services.AddScoped<ScopedCoreServices>();
        Services.AddScoped<ServerAddress>();
        Services.AddScoped<RemoteCommands>();
        Services.AddScoped<SRegistry.Web.Components.PageRendering>();
        Services.AddSingleton(new SignInSettings());
        Authorization = AddAuthorization();
        JSInterop.Mode = JSRuntimeMode.Loose;
        // bUnit waits one second by default; on PostgreSQL, with the suite running beside it, a page's data can take longer.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        scope.ServiceProvider.GetRequiredService<RegistryDbContext>().Database.Migrate();
        // What the app's start does for S3; bUnit has no host, so the bucket is made here (off any sync context).
        if (Services.GetRequiredService<IBlobStore>() is S3BlobStore bucket)
        {
            Task.Run(() => bucket.EnsureBucketAsync()).GetAwaiter().GetResult();
        }
    }

    protected BunitAuthorizationContext Authorization { get; }

    /// <summary>The app's clock; move it forward to expire invitations and tokens.</summary>
    protected TestClock Clock { get; } = new();

    protected Seed Seed => new(work => InScopeAsync(work));

    /// <summary>Creates the user and makes them the viewer of everything rendered from now on.</summary>
    protected async Task<User> SignInAsync(string username, bool admin = false)
    {
        var user = await InScopeAsync(sp => sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync(username, admin));
        Authorization.SetAuthorized(username);
        Authorization.SetClaims(new Claim(RegistryClaims.UserId, user.Id), new Claim(RegistryClaims.Username, username));
        return user;
    }

    protected async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    protected Task<T> InDatabaseAsync<T>(Func<RegistryDbContext, Task<T>> work) =>
        InScopeAsync(sp => work(sp.GetRequiredService<RegistryDbContext>()));

    /// <summary>
    /// Clicks the element as it is in the latest render. A page that reloads its data re-renders on its own, and a
    /// button found just before that has a handler the new tree no longer knows: find it again and click that.
    /// </summary>
    protected static void Click<T>(IRenderedComponent<T> cut, string selector) where T : IComponent
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                cut.Find(selector).Click();
                return;
            }
            catch (Bunit.Rendering.UnknownEventHandlerIdException) when (attempt < 100)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>
    /// The page once its data is there (pages show an indeterminate progress bar while loading). On SQLite loading ends
    /// within the first render; on PostgreSQL it is truly asynchronous, and a button found before the reload would be
    /// clicked on a stale render tree.
    /// </summary>
    protected static IRenderedComponent<T> Loaded<T>(IRenderedComponent<T> cut) where T : IComponent
    {
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-progress-indeterminate")));
        return cut;
    }

    /// <summary>
    /// A database read for assertions that run on the renderer's thread (WaitForAssertion): run off it, so an
    /// asynchronous database (PostgreSQL) cannot deadlock against the renderer waiting for it.
    /// </summary>
    protected T FromDatabase<T>(Func<RegistryDbContext, Task<T>> work) => Task.Run(() => InDatabaseAsync(work)).GetAwaiter().GetResult();

    // xunit disposes bUnit asynchronously, so Dispose(bool) never runs: clean up here.
    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await backends.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dataPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pool; the temp folder is cleaned by the OS eventually.
        }
    }
}
