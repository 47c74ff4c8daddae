using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.EndToEnd.LibraryClient;

/// <summary>
/// Teams with the real library client: olive owns the private collection "shared" and the public "showcase", both
/// assigned to olive's team "crew", of which mel is a member. sam belongs to nothing.
/// </summary>
public sealed class TeamPushTests : IAsyncLifetime
{
    private readonly RegistryServer server = new();
    private SifFiles sifs = null!;
    private readonly Dictionary<string, string> tokens = [];

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(LibraryClientDriver.Available, "golang-go or the apptainer library client source is not installed");
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        sifs = new SifFiles();
        foreach (var user in new[] { "olive", "mel", "sam" })
        {
            tokens[user] = await server.CreateTokenAsync(user);
        }
        foreach (var collection in new[] { "shared", "showcase" })
        {
            var seeded = await PushAsync("olive", $"olive/{collection}/base", await sifs.CreateAsync(50_000));
            Assert.True(seeded.Succeeded, seeded.Stderr);
        }
        await server.MakeCollectionPrivateAsync("shared");
        await server.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<RegistryDbContext>();
            var users = sp.GetRequiredService<UserAccounts>();
            var olive = await users.PrincipalForAsync(await db.Users.Where(u => u.Username == "olive").Select(u => u.Id).SingleAsync());
            var teams = sp.GetRequiredService<TeamService>();
            var crew = await teams.CreateAsync(olive, new NewTeam { Name = "crew", JoinMode = TeamJoinMode.Invite });
            olive = await users.PrincipalForAsync(olive.UserId!);
            Assert.True((await teams.AddMemberAsync(olive, crew.Value!.Id, "mel")).Succeeded);
            foreach (var collection in new[] { "shared", "showcase" })
            {
                Assert.True((await teams.AssignAsync(olive, collection, "crew", assign: true)).Succeeded);
            }
            return true;
        });
    }

    private Task<DriverResult> PushAsync(string user, string reference, (string Path, string Hash, long Size) sif) =>
        LibraryClientDriver.RunAsync(server.BaseUrl, tokens[user], "push", sif.Path, reference, "-tags", "1.0");

    private async Task<(DriverResult Result, string Output)> PullAsync(string? user, string reference)
    {
        var output = Path.Combine(sifs.Folder, $"pulled-{Guid.NewGuid():N}.sif");
        var result = await LibraryClientDriver.RunAsync(server.BaseUrl, user is null ? null : tokens[user], "pull", reference, "1.0", output);
        return (result, output);
    }

    [Fact]
    public async Task A_team_member_pushes_to_a_private_collection_someone_else_owns()
    {
        var sif = await sifs.CreateAsync(1_500_000);

        var pushed = await PushAsync("mel", "olive/shared/tools", sif);

        Assert.True(pushed.Succeeded, pushed.Stderr);
        foreach (var reader in new[] { "mel", "olive" })
        {
            var (pulled, output) = await PullAsync(reader, "olive/shared/tools");
            Assert.True(pulled.Succeeded, pulled.Stderr);
            Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(output));
        }
        var pusher = await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Images
            .Where(i => i.Hash == sif.Hash).Select(i => sp.GetRequiredService<RegistryDbContext>().Users.First(u => u.Id == i.CreatedById).Username)
            .SingleAsync());
        Assert.Equal("mel", pusher);
    }

    [Fact]
    public async Task A_stranger_pushing_to_a_public_collection_is_told_why_and_nothing_is_stored()
    {
        var sif = await sifs.CreateAsync(200_000);

        var refused = await PushAsync("sam", "olive/showcase/intruder", sif);

        Assert.False(refused.Succeeded);
        Assert.Contains("403", refused.Error, StringComparison.Ordinal);
        Assert.Contains("you may not push to collection 'showcase'", refused.Error, StringComparison.Ordinal);
        Assert.False(await StoredAsync(sif));
    }

    [Fact]
    public async Task A_stranger_pushing_to_a_private_collection_learns_nothing_about_it_and_nothing_is_stored()
    {
        var sif = await sifs.CreateAsync(200_000);

        var refused = await PushAsync("sam", "olive/shared/intruder", sif);

        Assert.False(refused.Succeeded);
        // The client, not seeing the collection, tries to create it in olive's namespace: refused as no permission there,
        // which says nothing about whether olive has a collection of that name.
        Assert.Contains("403", refused.Error, StringComparison.Ordinal);
        Assert.Contains("you can only create collections in your own namespace", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("taken", refused.Error, StringComparison.Ordinal);
        Assert.False(await StoredAsync(sif));
    }

    [Fact]
    public async Task Pulls_of_a_private_image_are_not_found_for_anonymous_and_strangers()
    {
        var (anonymous, anonymousOutput) = await PullAsync(null, "olive/shared/base");
        var (stranger, strangerOutput) = await PullAsync("sam", "olive/shared/base");

        Assert.Contains("not found", anonymous.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", stranger.Error, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(anonymousOutput) || File.Exists(strangerOutput));
    }

    private Task<bool> StoredAsync((string Path, string Hash, long Size) sif) =>
        server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Images.AnyAsync(i => i.Hash == sif.Hash));

    public async ValueTask DisposeAsync()
    {
        sifs?.Dispose();
        await server.DisposeAsync();
    }
}
