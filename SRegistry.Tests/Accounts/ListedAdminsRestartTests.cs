using Microsoft.Data.Sqlite;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Accounts;

/// <summary>
/// The real binary stopped and started again with another <c>Registry:AdminUsers</c>: the start applies the list.
/// Tokens come from the <c>token create</c> command, as a site bootstraps its admins.
/// </summary>
public sealed class ListedAdminsRestartTests : IAsyncLifetime
{
    private readonly RegistryProcess registry = new RegistryProcess().With("Registry__AdminUsers__0", "ann").With("Registry__AdminUsers__1", "max");
    private string ann = "", lou = "", max = "";

    public async ValueTask InitializeAsync()
    {
        var owner = await registry.CreateTokenAsync("owner");
        ann = await registry.CreateTokenAsync("ann");
        lou = await registry.CreateTokenAsync("lou", admin: true);
        max = await registry.CreateTokenAsync("max", admin: true);
        await registry.StartAsync();
        using (var client = registry.Client(owner))
        {
            await PrivateCollectionProbe.CreateAsync(client);
        }
        await using var db = new SqliteConnection($"Data Source={Path.Combine(registry.DataPath, "registry.db")};Pooling=False");
        await db.OpenAsync();
        await using var makePrivate = new SqliteCommand("""UPDATE "Collections" SET "IsPrivate" = 1 WHERE "Name" = 'secret'""", db);
        Assert.Equal(1, await makePrivate.ExecuteNonQueryAsync());
    }

    private async Task<bool> SeesAsync(string token)
    {
        using var client = registry.Client(token);
        return await PrivateCollectionProbe.SeesItAsync(client);
    }

    [Fact]
    public async Task After_a_restart_without_their_names_listed_admins_lose_admin_and_local_admins_keep_it()
    {
        Assert.True(await SeesAsync(ann));
        Assert.True(await SeesAsync(lou));
        Assert.True(await SeesAsync(max));

        await registry.StopAsync();
        registry.With("Registry__AdminUsers__0", "someone-else").With("Registry__AdminUsers__1", "");
        await registry.StartAsync();

        Assert.False(await SeesAsync(ann));
        // lou was made admin with `token create --admin`; max both ways, and the local grant remains.
        Assert.True(await SeesAsync(lou));
        Assert.True(await SeesAsync(max));
    }

    [Fact]
    public async Task A_command_run_with_another_list_does_not_change_who_is_admin_only_a_server_start_does()
    {
        registry.With("Registry__AdminUsers__0", "someone-else").With("Registry__AdminUsers__1", "");

        var zed = await registry.CreateTokenAsync("zed");

        Assert.True(await SeesAsync(ann));
        Assert.False(await SeesAsync(zed));
    }

    public async ValueTask DisposeAsync() => await registry.DisposeAsync();
}
