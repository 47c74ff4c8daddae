using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Teams;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Keys;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// A signed-only collection with the real library client pushing into it: each way of failing the rule is refused at
/// completion with its own message the client prints, nothing becomes visible; an owner's or team member's verifying
/// signature is accepted; turning the rule on marks the images already there that break it.
/// </summary>
public sealed class SignedOnlyCollectionTests : IClassFixture<KeyserverWorld>, IDisposable
{
    private const string Lead = "this collection accepts only images signed by its owner or its teams' members: ";
    private readonly KeyserverWorld world;
    private readonly BuiltSifs sifs = new();

    public SignedOnlyCollectionTests(KeyserverWorld world)
    {
        Assert.SkipUnless(KeyClientDriver.Available && LibraryClientDriver.Available && BuiltSifs.Available,
            "Go, gnupg, siftool, squashfs-tools or the client sources are not installed");
        this.world = world;
    }

    [Fact]
    public async Task Each_failure_is_refused_with_its_reason_and_only_an_owner_or_team_members_signature_gets_in()
    {
        await CollectionAsync("vault", signedOnly: true);
        var alice = await KeyAsync("Alice Owner <alice@example.org>", world.AliceToken);
        var bob = await KeyAsync("Bob Member <bob@example.org>", world.BobToken);
        var stranger = await KeyAsync("Stan Stranger <stan@example.org>", token: null);

        var unsigned = await sifs.CreateAsync();
        await RefusedAsync(unsigned, "vault/unsigned", Lead + "the image is unsigned");

        var unknown = await SignedAsync(stranger.Secret);
        await RefusedAsync(unknown, "vault/unknown", Lead + $"the image is signed by an unknown key ({stranger.Fingerprint})");

        var tampered = await sifs.CreateAsync();
        await SignAsync(tampered.Path, alice.Secret);
        SifTampering.FlipPartitionByte(tampered.Path);
        tampered = await BuiltSifs.DescribeAsync(tampered.Path);
        await RefusedAsync(tampered, "vault/tampered", Lead + "the image's signature does not verify: the data of object");

        var byBob = await SignedAsync(bob.Secret);
        await RefusedAsync(byBob, "vault/bob", Lead + $"the image is signed by key {bob.Fingerprint}, which is not owned by the collection's owner or a member of its teams");

        var byAlice = await SignedAsync(alice.Secret);
        Assert.True((await PushAsync(byAlice, "vault/alice")).Succeeded);
        Assert.True(await VisibleAsync(byAlice));

        // Bob joins a team assigned to the collection: his signature is now accepted.
        await TeamWithBobAssignedToAsync("vault");
        var push = await PushAsync(byBob, "vault/bob");
        Assert.True(push.Succeeded, push.Error);
        Assert.True(await VisibleAsync(byBob));
    }

    [Fact]
    public async Task Turning_the_rule_on_marks_the_images_already_there_that_break_it()
    {
        await CollectionAsync("mixed", signedOnly: false);
        var alice = await KeyAsync("Alice Again <alice.again@example.org>", world.AliceToken);
        var unsigned = await sifs.CreateAsync();
        var signed = await SignedAsync(alice.Secret);
        Assert.True((await PushAsync(unsigned, "mixed/plain")).Succeeded);
        Assert.True((await PushAsync(signed, "mixed/sealed")).Succeeded);

        var breaches = await world.InScopeAsync(async sp => await sp.GetRequiredService<SignedOnlyCollections>()
            .SetAsync(await SignatureVerificationTests.PrincipalAsync(sp, "alice"), "mixed", require: true));

        Assert.True(breaches.Succeeded, breaches.Message);
        var breach = Assert.Single(breaches.Value!);
        Assert.Equal(("plain", unsigned.Hash), (breach.Container, breach.ImageHash));
        Assert.StartsWith(Lead + "the image is unsigned", breach.Reason, StringComparison.Ordinal);
        var plain = await world.InScopeAsync(sp => sp.GetRequiredService<ImageContentsQuery>().ForContainerAsync(Core.Access.Principal.Anonymous, "mixed", "plain"));
        Assert.Equal(breach.Reason, Assert.Single(plain.Value!).RuleBreach);
        var sealedOne = await world.InScopeAsync(sp => sp.GetRequiredService<ImageContentsQuery>().ForContainerAsync(Core.Access.Principal.Anonymous, "mixed", "sealed"));
        Assert.Null(Assert.Single(sealedOne.Value!).RuleBreach);
    }

    private async Task RefusedAsync((string Path, string Hash, long Size) sif, string reference, string reason)
    {
        var push = await PushAsync(sif, reference);
        Assert.False(push.Succeeded, "a push breaking the signed-only rule was accepted");
        Assert.Contains(reason, push.Error, StringComparison.Ordinal);
        Assert.False(await VisibleAsync(sif), "a refused image became visible");
    }

    private async Task<(string Path, string Hash, long Size)> SignedAsync(string secret)
    {
        var sif = await sifs.CreateAsync();
        await SignAsync(sif.Path, secret);
        return await BuiltSifs.DescribeAsync(sif.Path);
    }

    private async Task<(string Fingerprint, string Secret)> KeyAsync(string userId, string? token)
    {
        var fingerprint = await world.Gpg.GenerateAsync(userId);
        if (token is not null)
        {
            var push = await KeyClientDriver.RunAsync(world.BaseUrl, token, "push", await world.Gpg.ExportToFileAsync(fingerprint));
            Assert.True(push.Succeeded, push.Error);
        }
        return (fingerprint, await world.Gpg.ExportToFileAsync(fingerprint, secret: true));
    }

    private async Task SignAsync(string path, string secret)
    {
        var sign = await KeyClientDriver.RunAsync(world.BaseUrl, null, "sign", path, secret);
        Assert.True(sign.Succeeded, sign.Error);
    }

    private Task<DriverResult> PushAsync((string Path, string Hash, long Size) sif, string reference) =>
        LibraryClientDriver.RunAsync(world.BaseUrl, world.AliceToken, "push", sif.Path, "alice/" + reference, "-tags", "v1");

    private Task<bool> VisibleAsync((string Path, string Hash, long Size) sif) =>
        world.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Images.AnyAsync(i => i.Hash == sif.Hash && i.IsUploaded));

    private async Task CollectionAsync(string name, bool signedOnly)
    {
        await world.InScopeAsync(async sp =>
        {
            var alice = await SignatureVerificationTests.PrincipalAsync(sp, "alice");
            var created = await sp.GetRequiredService<LibraryCollections>().CreateCollectionAsync(alice, null, name, "", false, fromPush: false);
            Assert.True(created.Succeeded, created.Message);
            if (signedOnly)
            {
                var set = await sp.GetRequiredService<SignedOnlyCollections>().SetAsync(alice, name, require: true);
                Assert.True(set.Succeeded, set.Message);
                Assert.Empty(set.Value!);
            }
            return true;
        });
    }

    private async Task TeamWithBobAssignedToAsync(string collection)
    {
        await world.InScopeAsync(async sp =>
        {
            var teams = sp.GetRequiredService<TeamService>();
            var alice = await SignatureVerificationTests.PrincipalAsync(sp, "alice");
            var team = await teams.CreateAsync(alice, new NewTeam { Name = "signers", DisplayName = "Signers", JoinMode = TeamJoinMode.Invite });
            Assert.True(team.Succeeded, team.Message);
            alice = await SignatureVerificationTests.PrincipalAsync(sp, "alice");
            Assert.True((await teams.AddMemberAsync(alice, team.Value!.Id, "bob")).Succeeded);
            var assigned = await teams.AssignAsync(alice, collection, "signers", assign: true);
            Assert.True(assigned.Succeeded, assigned.Message);
            return true;
        });
    }

    public void Dispose() => sifs.Dispose();
}
