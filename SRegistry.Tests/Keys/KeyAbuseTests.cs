using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Core.Keys;
using SRegistry.Tests.EndToEnd.KeyClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Keys;

/// <summary>
/// The keyserver against a hostile user: lookups do not verify signatures again, user IDs per key and keys per account
/// are bounded, a squatted key can be claimed by the account whose e-mail, verified by its identity provider, is on it, and a self-signed
/// revocation is merged whoever pushes it. Real GnuPG keys over HTTP.
/// </summary>
public sealed class KeyAbuseTests : IAsyncDisposable
{
    private readonly KeyserverWorld world;

    public KeyAbuseTests()
    {
        Assert.SkipUnless(GnuPG.Available, "gnupg is not installed");
        world = new KeyserverWorld();
        world.With("Registry:MaxUserIdsPerKey", "3").With("Registry:MaxKeysPerAccount", "3");
    }

    [Fact]
    public async Task Lookups_answer_from_the_keys_verified_at_upload()
    {
        await world.InitializeAsync();
        var fingerprints = new List<string>();
        foreach (var name in new[] { "one", "two", "three" })
        {
            fingerprints.Add(await world.Gpg.GenerateAsync($"Cpu {name} <cpu.{name}@example.org>"));
        }
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync([.. fingerprints]))).StatusCode);
        var cache = world.Services.GetRequiredService<ParsedKeyCache>();
        var parsesAfterUpload = cache.Parses;

        for (var i = 0; i < 20; i++)
        {
            var index = await world.LookupAsync("op=index&options=mr&x-pagesize=256&search=cpu");
            Assert.StartsWith("info:1:3\n", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await world.LookupAsync($"op=get&search=0x{fingerprints[i % 3]}")).StatusCode);
        }

        Assert.Equal(parsesAfterUpload, cache.Parses);
    }

    [Fact]
    public async Task User_ids_per_key_and_keys_per_account_are_bounded()
    {
        await world.InitializeAsync();
        var crowded = await world.Gpg.GenerateAsync("Crowd 1 <crowd1@example.org>");
        foreach (var n in new[] { 2, 3, 4 })
        {
            await world.Gpg.AddUserIdAsync(crowded, $"Crowd {n} <crowd{n}@example.org>");
        }
        var tooManyIds = await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(crowded));
        Assert.Contains("has 4 user IDs; this keyserver takes at most 3 per key", await LibraryProtocol.ErrorAsync(tooManyIds, HttpStatusCode.BadRequest),
            StringComparison.Ordinal);

        for (var n = 1; n <= 3; n++)
        {
            var key = await world.Gpg.GenerateAsync($"Many {n} <many{n}@example.org>");
            Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.BobToken, await world.Gpg.ExportAsync(key))).StatusCode);
        }
        var fourth = await world.Gpg.GenerateAsync("Many 4 <many4@example.org>");
        var refused = await world.PushAsync(world.BobToken, await world.Gpg.ExportAsync(fourth));
        Assert.Contains("at most 3 keys", await LibraryProtocol.ErrorAsync(refused, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await world.LookupAsync($"op=get&search=0x{fourth}")).StatusCode);
    }

    [Fact]
    public async Task A_squatted_key_is_claimed_by_the_account_whose_verified_email_is_on_it()
    {
        await world.InitializeAsync();
        var key = await world.Gpg.GenerateAsync("Carol Real <carol@example.org>");
        var exported = await world.Gpg.ExportAsync(key);
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, exported)).StatusCode);
        // dave has the address only in a local account (nobody vouched for it); erin signed in through a provider that did
        // not say it verified the address (email_verified false or absent); carol's provider said it verified hers.
        var dave = await AccountWithEmailAsync("dave", "carol@example.org", external: false, verified: true);
        var erin = await AccountWithEmailAsync("erin", "carol@example.org", external: true, verified: false);
        var carol = await AccountWithEmailAsync("carol", "Carol@Example.org", external: true, verified: true);

        var byDave = await world.PushAsync(dave, exported);
        var byErin = await world.PushAsync(erin, exported);
        var byCarol = await world.PushAsync(carol, exported);

        Assert.Equal(HttpStatusCode.Conflict, byDave.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, byErin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byCarol.StatusCode);
        Assert.Equal("carol", await UploaderAsync(key));
        // Now carol's: alice, the squatter, can no longer update it.
        Assert.Equal(HttpStatusCode.Conflict, (await world.PushAsync(world.AliceToken, exported)).StatusCode);
    }

    [Fact]
    public async Task A_revocation_signed_by_the_key_is_merged_whoever_pushes_it()
    {
        await world.InitializeAsync();
        var key = await world.Gpg.GenerateAsync("Revoke Rita <rita@example.org>");
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(key))).StatusCode);
        await world.Gpg.AddUserIdAsync(key, "Rita Other <rita@other.example.org>");
        var notARevocation = await world.PushAsync(world.BobToken, await world.Gpg.ExportAsync(key));
        await world.Gpg.RevokeAsync(key);

        var revocation = await world.PushAsync(world.BobToken, await world.Gpg.ExportAsync(key));

        Assert.Equal(HttpStatusCode.Conflict, notARevocation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);
        var index = await (await world.LookupAsync($"op=index&options=mr&fingerprint=on&search=0x{key}")).Content.ReadAsStringAsync();
        Assert.Contains($"pub:{key}:22:", index, StringComparison.Ordinal);
        Assert.EndsWith(":r", index.Split('\n')[1], StringComparison.Ordinal);
        Assert.Equal("alice", await UploaderAsync(key));
    }

    private Task<string> AccountWithEmailAsync(string username, string email, bool external, bool verified) => world.InScopeAsync(async sp =>
    {
        var token = await world.CreateTokenAsync(username);
        await sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == username).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.Email, email)
            .SetProperty(u => u.EmailVerified, verified)
            .SetProperty(u => u.ExternalSubject, external ? "subject-" + username : null));
        return token;
    });

    private Task<string> UploaderAsync(string fingerprint) => world.InScopeAsync(sp =>
    {
        var db = sp.GetRequiredService<RegistryDbContext>();
        return db.SigningKeys.Where(k => k.Fingerprint == fingerprint).Join(db.Users, k => k.UploadedById, u => u.Id, (k, u) => u.Username).SingleAsync();
    });

    public async ValueTask DisposeAsync() => await world.DisposeAsync();
}
