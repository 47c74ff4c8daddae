using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Accounts;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;

namespace SRegistry.Tests.Dashboard;

/// <summary>Stored state for component tests, made through Core services (images are recorded as already uploaded).</summary>
public sealed class Seed(Func<Func<IServiceProvider, Task<object?>>, Task<object?>> inScope)
{
    public async Task CollectionAsync(string owner, string name, bool isPrivate = false, string description = "")
    {
        await inScope(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var user = await users.EnsureLocalUserAsync(owner, makeAdmin: false);
            var who = await users.PrincipalForAsync(user.Id);
            var created = await sp.GetRequiredService<LibraryCollections>().CreateCollectionAsync(who, null, name, description, isPrivate, fromPush: false);
            Assert.True(created.Succeeded, created.Message);
            return null;
        });
    }

    /// <summary>An uploaded image of <paramref name="size"/> bytes tagged <paramref name="tags"/> in collection/container.</summary>
    public async Task<string> ImageAsync(string owner, string collection, string container, string arch, long size, params string[] tags)
    {
        var result = await inScope(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var user = await users.EnsureLocalUserAsync(owner, makeAdmin: false);
            var who = await users.PrincipalForAsync(user.Id);
            var db = sp.GetRequiredService<RegistryDbContext>();
            var collectionId = db.Collections.Single(c => c.Name == collection).Id;
            var made = await sp.GetRequiredService<LibraryContainers>().CreateContainerAsync(who, collectionId, container, "");
            Assert.True(made.Succeeded, made.Message);
            var image = new Image
            {
                ContainerId = made.Value!.Container.Id,
                Hash = "sha256." + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                Size = size,
                Arch = arch,
                IsUploaded = true,
                CreatedById = user.Id,
                CreatedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Images.Add(image);
            foreach (var tag in tags)
            {
                db.Tags.Add(new Tag { ContainerId = image.ContainerId, Arch = arch, Name = tag, ImageId = image.Id, UpdatedAt = DateTimeOffset.UtcNow });
            }
            await db.SaveChangesAsync();
            return image.Id;
        });
        return (string)result!;
    }

    /// <summary>A team created by <paramref name="owner"/>, with <paramref name="members"/> added by the owner; returns its ID.</summary>
    public async Task<string> TeamAsync(string owner, string name, TeamJoinMode joinMode, params string[] members)
    {
        var result = await inScope(async sp =>
        {
            var users = sp.GetRequiredService<UserAccounts>();
            var who = await users.PrincipalForAsync((await users.EnsureLocalUserAsync(owner, makeAdmin: false)).Id);
            var teams = sp.GetRequiredService<TeamService>();
            var team = await teams.CreateAsync(who, new NewTeam { Name = name, DisplayName = name.ToUpperInvariant(), JoinMode = joinMode });
            Assert.True(team.Succeeded, team.Message);
            who = await users.PrincipalForAsync(who.UserId!);
            foreach (var member in members)
            {
                await users.EnsureLocalUserAsync(member, makeAdmin: false);
                var added = await teams.AddMemberAsync(who, team.Value!.Id, member);
                Assert.True(added.Succeeded, added.Message);
            }
            return team.Value!.Id;
        });
        return (string)result!;
    }
}
