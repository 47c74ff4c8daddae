using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Tests.EndToEnd.KeyClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Keys;

/// <summary>The HKP keyserver over HTTP with real GnuPG keys: publishing, re-publishing and every lookup form of docs/protocol/keyserver.md.</summary>
public sealed class KeyserverProtocolTests : IClassFixture<KeyserverWorld>
{
    private readonly KeyserverWorld world;

    public KeyserverProtocolTests(KeyserverWorld world)
    {
        Assert.SkipUnless(GnuPG.Available, "gnupg is not installed");
        this.world = world;
    }

    [Fact]
    public async Task A_pushed_key_comes_back_byte_for_byte_from_op_get()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Round Trip <round.trip@example.org>");
        var exported = await world.Gpg.ExportAsync(fingerprint);

        var push = await world.PushAsync(world.AliceToken, exported);

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        Assert.Equal($"Key {fingerprint} added\n", await push.Content.ReadAsStringAsync());
        var get = await world.LookupAsync($"op=get&exact=on&search=0x{fingerprint.ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/pgp-keys", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(exported, await get.Content.ReadAsStringAsync());
        // get hands back the armour whatever the options say.
        Assert.Equal(exported, await (await world.LookupAsync($"op=get&options=mr&search=0x{fingerprint}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Publishing_needs_a_valid_token()
    {
        var fingerprint = await world.Gpg.GenerateAsync("No Token <no.token@example.org>");
        var exported = await world.Gpg.ExportAsync(fingerprint);

        var anonymous = await world.PushAsync(null, exported);
        var badToken = await world.PushAsync("sreg_not-a-real-token", exported);

        Assert.Contains("needs a token", await LibraryProtocol.ErrorAsync(anonymous, HttpStatusCode.Unauthorized), StringComparison.Ordinal);
        Assert.Contains("unknown, expired or revoked", await LibraryProtocol.ErrorAsync(badToken, HttpStatusCode.Unauthorized), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await world.LookupAsync($"op=get&search=0x{fingerprint}")).StatusCode);
    }

    [Fact]
    public async Task Key_ids_fingerprints_and_subkeys_all_find_the_key()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Many Ways <many.ways@example.org>");
        var subkey = await world.Gpg.AddSigningSubkeyAsync(fingerprint);
        var exported = await world.Gpg.ExportAsync(fingerprint);
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, exported)).StatusCode);

        foreach (var search in new[] { fingerprint, fingerprint[^16..], fingerprint[^8..], subkey, subkey[^16..], subkey[^8..] })
        {
            var get = await world.LookupAsync($"op=get&exact=on&search=0x{search.ToLowerInvariant()}");
            Assert.True(get.StatusCode == HttpStatusCode.OK, $"0x{search}: {get.StatusCode}");
            Assert.Equal(exported, await get.Content.ReadAsStringAsync());
        }
        var index = await (await world.LookupAsync($"op=index&options=mr&fingerprint=on&search=0x{subkey}")).Content.ReadAsStringAsync();
        Assert.Contains($"pub:{fingerprint}:", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_id_without_its_leading_zeros_still_matches()
    {
        // Signature verification prints the 64-bit key ID as a number, so an ID starting with 0 arrives with 15 digits or fewer.
        string fingerprint;
        var tries = 0;
        do
        {
            fingerprint = await world.Gpg.GenerateAsync($"Leading Zero {tries} <zero{tries}@example.org>");
        }
        while (fingerprint[^16] != '0' && ++tries < 80);
        Assert.SkipWhen(fingerprint[^16] != '0', "no key ID with a leading zero came up");
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(fingerprint))).StatusCode);

        var shortened = fingerprint[^16..].TrimStart('0').ToLowerInvariant();
        var get = await world.LookupAsync($"op=get&exact=on&search=0x{shortened}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Contains(fingerprint, await (await world.LookupAsync($"op=index&fingerprint=on&search=0x{shortened}")).Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_machine_readable_index_describes_each_key_and_escapes_user_ids()
    {
        var made = DateTimeOffset.UtcNow;
        var rsa = await world.Gpg.GenerateAsync("Index Rsa: 100% sure + more <index.rsa@example.org>", "rsa2048", "2y");
        await world.Gpg.AddUserIdAsync(rsa, "Jürgen Índex <index.juergen@example.org>");
        var revoked = await world.Gpg.GenerateAsync("Index Revoked <index.revoked@example.org>");
        await world.Gpg.RevokeAsync(revoked);
        var expired = await world.Gpg.GenerateAsync("Index Expired <index.expired@example.org>", expires: "1d", madeAt: made.AddYears(-2));
        foreach (var fingerprint in new[] { rsa, revoked, expired })
        {
            Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(fingerprint))).StatusCode);
        }

        var response = await world.LookupAsync("op=index&options=mr&fingerprint=on&x-pagesize=256&search=index");

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var index = await response.Content.ReadAsStringAsync();
        var lines = index.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("info:1:3", lines[0]);
        var pub = Fields(lines, $"pub:{rsa}:");
        Assert.Equal(["pub", rsa, "1", "2048"], pub[..4]);
        Assert.InRange(Seconds(pub[4]), made.AddMinutes(-5).ToUnixTimeSeconds(), made.AddMinutes(5).ToUnixTimeSeconds());
        Assert.InRange(Seconds(pub[5]) - Seconds(pub[4]), 2 * 365 * 86400L, 2 * 366 * 86400L);
        Assert.Equal("", pub[6]);
        Assert.Contains("\nuid:Index Rsa%3A 100%25 sure %2B more <index.rsa@example.org>:", index, StringComparison.Ordinal);
        Assert.Contains("\nuid:J%C3%BCrgen %C3%8Dndex <index.juergen@example.org>:", index, StringComparison.Ordinal);
        Assert.Equal("r", Fields(lines, $"pub:{revoked}:")[6]);
        Assert.Equal("22", Fields(lines, $"pub:{revoked}:")[2]);
        Assert.Equal("e", Fields(lines, $"pub:{expired}:")[6]);

        // vindex answers like index.
        Assert.Equal(index, await (await world.LookupAsync("op=vindex&options=mr&fingerprint=on&x-pagesize=256&search=index")).Content.ReadAsStringAsync());
        // Without fingerprint=on the pub line names the 64-bit key ID.
        var byId = await (await world.LookupAsync($"op=index&options=mr&search=0x{rsa}")).Content.ReadAsStringAsync();
        Assert.StartsWith($"info:1:1\npub:{rsa[^16..]}:1:2048:", byId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_id_search_is_case_insensitive_and_exact_wants_a_whole_user_id_or_email()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Exact Erin <erin.exact@example.org>");
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(fingerprint))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await world.LookupAsync("op=index&search=EXACT%20ERIN")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.LookupAsync("op=get&exact=on&search=erin.exact%40example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.LookupAsync("op=get&exact=on&search=Exact%20Erin%20%3Cerin.exact%40example.org%3E")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.LookupAsync("op=get&exact=on&search=erin.exact")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.LookupAsync("op=get&exact=on&search=Exact%20Erin")).StatusCode);
    }

    [Fact]
    public async Task Nothing_found_is_404_with_a_message()
    {
        foreach (var query in new[] { "op=get&search=0xDEADBEEF", "op=index&options=mr&search=nobody-has-this-name",
                     "op=get&search=0x0123456789ABCDEF0123456789ABCDEF01234567", "op=get&search=0x0123456789ABCDEF0123456789ABCDEF" })
        {
            var response = await world.LookupAsync(query);
            Assert.Contains("no key matches", await LibraryProtocol.ErrorAsync(response, HttpStatusCode.NotFound), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_long_result_comes_in_pages()
    {
        foreach (var n in new[] { 1, 2, 3 })
        {
            var fingerprint = await world.Gpg.GenerateAsync($"Paged Person {n} <paged{n}@example.org>");
            Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(fingerprint))).StatusCode);
        }

        var first = await world.LookupAsync("op=index&options=mr&search=paged%20person&x-pagesize=2");
        var token = first.Headers.GetValues("X-HKP-Next-Page-Token").Single();
        var second = await world.LookupAsync($"op=index&options=mr&search=paged%20person&x-pagesize=2&x-pagetoken={token}");

        Assert.StartsWith("info:1:2\n", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("info:1:1\n", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(second.Headers.Contains("X-HKP-Next-Page-Token"));
    }

    [Fact]
    public async Task A_re_push_merges_and_never_loses_what_is_stored()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Merge Mia <mia@example.org>");
        var original = await world.Gpg.ExportAsync(fingerprint);
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, original)).StatusCode);
        await world.Gpg.AddUserIdAsync(fingerprint, "Mia Work <mia@work.example.org>");
        var extended = await world.Gpg.ExportAsync(fingerprint);

        var again = await world.PushAsync(world.AliceToken, original);
        var update = await world.PushAsync(world.AliceToken, extended);
        var stale = await world.PushAsync(world.AliceToken, original);

        Assert.Equal($"Key {fingerprint} unchanged (already up to date)\n", await again.Content.ReadAsStringAsync());
        Assert.Equal($"Key {fingerprint} updated (merged with the stored copy)\n", await update.Content.ReadAsStringAsync());
        Assert.Equal($"Key {fingerprint} unchanged (already up to date)\n", await stale.Content.ReadAsStringAsync());
        // The extended push held everything stored, so its own text is what op=get returns.
        Assert.Equal(extended, await (await world.LookupAsync($"op=get&search=0x{fingerprint}")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await world.LookupAsync("op=get&exact=on&search=mia%40work.example.org")).StatusCode);
    }

    [Fact]
    public async Task Someone_elses_key_is_not_clobbered()
    {
        var fingerprint = await world.Gpg.GenerateAsync("Owned Olga <olga@example.org>");
        var original = await world.Gpg.ExportAsync(fingerprint);
        Assert.Equal(HttpStatusCode.OK, (await world.PushAsync(world.AliceToken, original)).StatusCode);
        await world.Gpg.AddUserIdAsync(fingerprint, "Olga Elsewhere <olga@elsewhere.example.org>");

        var bobs = await world.PushAsync(world.BobToken, await world.Gpg.ExportAsync(fingerprint));

        Assert.Contains("published by another account", await LibraryProtocol.ErrorAsync(bobs, HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Equal(original, await (await world.LookupAsync($"op=get&search=0x{fingerprint}")).Content.ReadAsStringAsync());
        var uploader = await world.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().SigningKeys
            .Where(k => k.Fingerprint == fingerprint).Join(sp.GetRequiredService<RegistryDbContext>().Users, k => k.UploadedById, u => u.Id, (k, u) => u.Username)
            .SingleAsync());
        Assert.Equal("alice", uploader);
    }

    [Fact]
    public async Task Several_keys_in_one_block_are_stored_separately()
    {
        var first = await world.Gpg.GenerateAsync("Pair One <pair.one@example.org>");
        var second = await world.Gpg.GenerateAsync("Pair Two <pair.two@example.org>");

        var push = await world.PushAsync(world.AliceToken, await world.Gpg.ExportAsync(first, second));

        Assert.Equal($"Key {first} added\nKey {second} added\n", await push.Content.ReadAsStringAsync());
        foreach (var fingerprint in new[] { first, second })
        {
            var text = await (await world.LookupAsync($"op=get&search=0x{fingerprint}")).Content.ReadAsStringAsync();
            Assert.Equal(1, CountOf(text, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
            Assert.Equal(fingerprint, Assert.Single(Core.Keys.OpenPgpKeys.Parse(text).Value!).Fingerprint);
        }
    }

    public static TheoryData<string, string> BadLookups => new()
    {
        { "search=0xDEADBEEF", "op must be get, index or vindex" },
        { "op=delete&search=0xDEADBEEF", "op must be get, index or vindex" },
        { "op=get", "search is required" },
        { "op=get&search=", "search is required" },
        { "op=get&search=0xNOTHEX12", "not a key ID" },
        { "op=get&search=0x123", "not 3" },
        { "op=get&search=0x0123456789ABCDEF0123", "not 20" },
        { "op=get&search=0xDEADBEEF&exact=maybe", "exact must be on or off" },
        { "op=index&search=alice&fingerprint=yes", "fingerprint must be on or off" },
        { "op=index&search=alice&x-pagesize=0", "x-pagesize must be" },
        { "op=index&search=alice&x-pagesize=1000", "x-pagesize must be" },
        { "op=index&search=alice&x-pagesize=ten", "x-pagesize must be" },
        { "op=index&search=alice&x-pagetoken=-1", "x-pagetoken is not a page token" },
        { "op=get&op=index&search=alice", "op is given more than once" },
        { "op=index&search=a%0Ab", "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadLookups))]
    public async Task Malformed_lookups_are_refused_with_a_reason(string query, string reason)
    {
        var response = await world.LookupAsync(query);

        Assert.Contains(reason, await LibraryProtocol.ErrorAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadUploads => new()
    {
        { "garbage", "no ASCII-armoured public key" },
        { "secret", "secret key" },
        { "crc", "damaged" },
        { "truncated", "without its END line" },
        { "message", "only PGP PUBLIC KEY BLOCKs are accepted" },
        { "json", "application/x-www-form-urlencoded" },
        { "no-keytext", "keytext is missing" },
        { "twice", "keytext is given more than once" },
        { "oversized", "larger than 256 KiB" },
        { "unsigned-uid", "no user ID signed by its own primary key" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Bad_uploads_are_refused_with_a_reason_and_store_nothing(string kind, string reason)
    {
        var fingerprint = await world.Gpg.GenerateAsync($"Bad Upload {kind} <bad.{kind}@example.org>");
        var exported = await world.Gpg.ExportAsync(fingerprint);
        var client = world.Client(world.AliceToken);
        var keyText = (string text) => new FormUrlEncodedContent([new("keytext", text)]);
        HttpContent body = kind switch
        {
            "garbage" => keyText("hello, this is not a key"),
            "secret" => keyText(await world.Gpg.ExportSecretAsync(fingerprint)),
            "crc" => keyText(DamageChecksum(exported)),
            "truncated" => keyText(exported[..(exported.Length / 2)]),
            "message" => keyText(exported.Replace("PUBLIC KEY BLOCK", "MESSAGE", StringComparison.Ordinal)),
            "json" => KeyserverWorld.Form($$"""{"keytext":"{{exported.ReplaceLineEndings("\\n")}}"}""", "application/json"),
            "no-keytext" => new FormUrlEncodedContent([new("key", exported)]),
            "twice" => new FormUrlEncodedContent([new("keytext", exported), new("keytext", exported)]),
            "oversized" => keyText(exported + new string('x', 300 * 1024)),
            _ => keyText(StripSelfSignatures(exported)),
        };

        var response = await client.PostAsync("pks/add", body);

        Assert.Contains(reason, await LibraryProtocol.ErrorAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await world.LookupAsync($"op=get&search=0x{fingerprint}")).StatusCode);
    }

    private static long Seconds(string field) => long.Parse(field, System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Fields(string[] lines, string prefix) => lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal)).Split(':');

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>The armour's CRC line (<c>=XXXX</c>) with one character changed: the key bytes are intact, the checksum is not.</summary>
    private static string DamageChecksum(string armored)
    {
        var lines = armored.Split('\n');
        var crc = Array.FindLastIndex(lines, l => l.StartsWith('=') && l.Length == 5);
        lines[crc] = "=" + (lines[crc][1] == 'A' ? 'B' : 'A') + lines[crc][2..];
        return string.Join('\n', lines);
    }

    /// <summary>The key with its signature packets dropped: a public key and a user ID that nothing vouches for.</summary>
    private static string StripSelfSignatures(string armored)
    {
        var ring = Core.Keys.OpenPgpKeys.Parse(armored).Value!.Single();
        using var input = new Org.BouncyCastle.Bcpg.ArmoredInputStream(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(ring.Armored)));
        var key = ((Org.BouncyCastle.Bcpg.OpenPgp.PgpPublicKeyRing)new Org.BouncyCastle.Bcpg.OpenPgp.PgpObjectFactory(input).NextPgpObject()).GetPublicKey();
        foreach (var uid in key.GetUserIds().ToList())
        {
            foreach (var signature in key.GetSignaturesForId(uid).ToList())
            {
                key = Org.BouncyCastle.Bcpg.OpenPgp.PgpPublicKey.RemoveCertification(key, uid, signature);
            }
        }
        using var output = new MemoryStream();
        using (var armor = new Org.BouncyCastle.Bcpg.ArmoredOutputStream(output))
        {
            new Org.BouncyCastle.Bcpg.OpenPgp.PgpPublicKeyRing(key.GetEncoded()).Encode(armor);
        }
        return System.Text.Encoding.ASCII.GetString(output.ToArray());
    }
}
