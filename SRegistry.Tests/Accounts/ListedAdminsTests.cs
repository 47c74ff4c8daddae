using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core.Accounts;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Accounts;

/// <summary>
/// What a start does with <c>Registry:AdminUsers</c> (<see cref="ListedAdmins"/>), run here with the list a restarted
/// server would have. The real restart is in <see cref="ListedAdminsRestartTests"/>.
/// </summary>
public sealed class ListedAdminsTests : IAsyncDisposable
{
    private readonly RegistryServer server = new();

    private Task<int> StartWithListAsync(params string[] names) => server.InScopeAsync(sp =>
        new ListedAdmins(sp.GetRequiredService<RegistryDbContext>(), Options.Create(new RegistryOptions { AdminUsers = names })).ReconcileAsync());

    private Task<string> LocalUserAsync(string name, bool admin = false) =>
        server.InScopeAsync(async sp => (await sp.GetRequiredService<UserAccounts>().EnsureLocalUserAsync(name, admin)).Id);

    private Task<bool> IsAdminAsync(string userId) =>
        server.InScopeAsync(async sp => (await sp.GetRequiredService<UserAccounts>().PrincipalForAsync(userId)).IsAdmin);

    private Task<(bool Local, bool? Listed)> FlagsAsync(string userId) => server.InScopeAsync(async sp =>
    {
        var user = await sp.GetRequiredService<RegistryDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == userId);
        return (user.IsAdmin, user.IsListedAdmin);
    });

    [Fact]
    public async Task A_name_on_the_list_is_admin_after_the_start_and_not_after_the_next_start_without_it()
    {
        var ann = await LocalUserAsync("ann");

        Assert.Equal(1, await StartWithListAsync("ann"));
        Assert.True(await IsAdminAsync(ann));

        Assert.Equal(1, await StartWithListAsync(" ", "someone-else"));
        Assert.False(await IsAdminAsync(ann));
        Assert.Equal((false, false), await FlagsAsync(ann));
    }

    [Fact]
    public async Task The_local_flag_is_a_separate_grant_the_list_neither_gives_nor_takes()
    {
        var lou = await LocalUserAsync("lou", admin: true);
        var max = await LocalUserAsync("max", admin: true);

        await StartWithListAsync("max");
        await StartWithListAsync();

        Assert.True(await IsAdminAsync(lou));
        Assert.True(await IsAdminAsync(max));
        Assert.Equal((true, false), await FlagsAsync(max));
    }

    [Fact]
    public async Task Rows_from_before_the_list_was_kept_move_their_admin_to_the_list_when_it_names_them()
    {
        var ann = await LocalUserAsync("ann", admin: true);
        var lou = await LocalUserAsync("lou", admin: true);
        await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsListedAdmin, (bool?)null)));

        await StartWithListAsync("ann");

        Assert.Equal((false, true), await FlagsAsync(ann));
        Assert.Equal((true, false), await FlagsAsync(lou));
        await StartWithListAsync();
        Assert.False(await IsAdminAsync(ann));
        Assert.True(await IsAdminAsync(lou));
    }

    [Fact]
    public async Task A_start_with_an_unchanged_list_changes_nobody()
    {
        await LocalUserAsync("ann");
        await LocalUserAsync("bob");
        await StartWithListAsync("ann");

        Assert.Equal(0, await StartWithListAsync("ann"));
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
