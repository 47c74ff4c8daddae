using SRegistry.Tests.Keys;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// Apptainer's key client against the registry, doing what <c>singularity key push/search/pull</c> do, with keys made by
/// GnuPG.
/// </summary>
public sealed class KeyClientTests : IClassFixture<KeyserverWorld>
{
    private readonly KeyserverWorld world;

    public KeyClientTests(KeyserverWorld world)
    {
        Assert.SkipUnless(KeyClientDriver.Available, "Go, gnupg, the key client or the SIF library source is not installed");
        this.world = world;
    }

    [Fact]
    public async Task Key_push_search_and_pull_round_trip_byte_for_byte()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Kim Client <kim.client@example.org>");
        var file = await world.Gpg.ExportToFileAsync(fingerprint);

        var push = await Run(world.AliceToken, "push", file);
        Assert.True(push.Succeeded, push.Error);
        Assert.Equal(fingerprint, (string)push.Json["fingerprint"]!);
        var pushed = (string)push.Json["pushed"]!;

        var byName = await Run(null, "search", "kim client");
        Assert.True(byName.Succeeded, byName.Error);
        Assert.Equal(1, (int)byName.Json["count"]!);
        Assert.Equal(fingerprint, (string)byName.Json["keys"]![0]!["id"]!);
        Assert.Equal("Kim Client <kim.client@example.org>", (string)byName.Json["keys"]![0]!["uids"]![0]!);
        Assert.Equal("22", (string)byName.Json["keys"]![0]!["algorithm"]!);

        // An upper-case hex search is a fingerprint to the CLI, which then sends 0x<hex>.
        var byFingerprint = await Run(null, "search", fingerprint);
        Assert.True(byFingerprint.Succeeded, byFingerprint.Error);
        Assert.Equal(fingerprint, (string)byFingerprint.Json["keys"]![0]!["id"]!);

        foreach (var id in new[] { fingerprint, fingerprint[^8..] })
        {
            var pull = await Run(null, "pull", id);
            Assert.True(pull.Succeeded, pull.Error);
            Assert.Equal(fingerprint, (string)pull.Json["fingerprint"]!);
            Assert.Equal(pushed, (string)pull.Json["text"]!);
        }
    }

    [Fact]
    public async Task A_gpg_export_pushed_as_is_comes_back_unchanged()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Gail Gpg <gail.gpg@example.org>", "rsa2048");
        var file = await world.Gpg.ExportToFileAsync(fingerprint);

        var push = await Run(world.BobToken, "push", file, "-raw");
        var pull = await Run(null, "pull", fingerprint);

        Assert.True(push.Succeeded, push.Error);
        Assert.True(pull.Succeeded, pull.Error);
        Assert.Equal(await File.ReadAllTextAsync(file), (string)pull.Json["text"]!);
    }

    [Fact]
    public async Task Bad_keys_are_refused_with_the_servers_reason()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Sid Secret <sid.secret@example.org>");
        var secret = await world.Gpg.ExportToFileAsync(fingerprint, secret: true);
        var garbage = Path.Combine(world.Gpg.Home, "garbage.asc");
        await File.WriteAllTextAsync(garbage, "not a key at all\n");

        var secretPush = await Run(world.AliceToken, "push", secret, "-raw");
        var garbagePush = await Run(world.AliceToken, "push", garbage, "-raw");

        Assert.False(secretPush.Succeeded);
        Assert.Contains("400 Bad Request: keytext holds a secret key", secretPush.Error, StringComparison.Ordinal);
        Assert.False(garbagePush.Succeeded);
        Assert.Contains("400 Bad Request: keytext holds no ASCII-armoured public key", garbagePush.Error, StringComparison.Ordinal);
        var pull = await Run(null, "pull", fingerprint);
        Assert.Contains("404 Not Found", pull.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_without_a_token_is_refused_and_lookups_need_none()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Tom Tokenless <tom.tokenless@example.org>");
        var file = await world.Gpg.ExportToFileAsync(fingerprint);

        var anonymous = await Run(null, "push", file);
        var search = await Run(null, "search", "tom tokenless");

        Assert.False(anonymous.Succeeded);
        Assert.Contains("401 Unauthorized: pushing a key needs a token", anonymous.Error, StringComparison.Ordinal);
        Assert.Contains("404 Not Found", search.Error, StringComparison.Ordinal);
        Assert.True((await Run(world.AliceToken, "push", file)).Succeeded);
        Assert.True((await Run(null, "search", "tom tokenless")).Succeeded);
    }

    [Fact]
    public async Task The_keyserver_answers_version_under_its_advertised_url()
    {
        var version = await Run(null, "version");

        Assert.True(version.Succeeded, version.Error);
        Assert.False(string.IsNullOrEmpty((string?)version.Json["version"]));
    }

    private Task<DriverResult> Run(string? token, params string[] args) => KeyClientDriver.RunAsync(world.BaseUrl, token, args);
}
