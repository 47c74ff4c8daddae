using SRegistry.Core;
using SRegistry.Core.Keys;
using SRegistry.Core.Library;

namespace SRegistry.Tests.Keys;

/// <summary>The HKP search grammar (docs/protocol/keyserver.md#search-grammar), case by case.</summary>
public sealed class KeyQueryTests
{
    public static TheoryData<string, KeyQueryKind, string> Accepted => new()
    {
        { "0x2A879943", KeyQueryKind.ShortKeyId, "2A879943" },
        { "0x2a879943", KeyQueryKind.ShortKeyId, "2A879943" },
        { "0X2A879943", KeyQueryKind.ShortKeyId, "2A879943" },
        { "0x0E8713472A879943", KeyQueryKind.LongKeyId, "0E8713472A879943" },
        // Clients print 64-bit key IDs as numbers: leading zeros are gone and must come back.
        { "0xe8713472a879943", KeyQueryKind.LongKeyId, "0E8713472A879943" },
        { "0x13472a879943", KeyQueryKind.LongKeyId, "000013472A879943" },
        { "0x123456789", KeyQueryKind.LongKeyId, "0000000123456789" },
        { "0x433fe984155206bd962725e20e8713472a879943", KeyQueryKind.Fingerprint, "433FE984155206BD962725E20E8713472A879943" },
        { "0x0123456789abcdef0123456789abcdef", KeyQueryKind.V3Fingerprint, "0123456789ABCDEF0123456789ABCDEF" },
        { "alice", KeyQueryKind.UserId, "alice" },
        { "  Alice Example <alice@example.org> ", KeyQueryKind.UserId, "Alice Example <alice@example.org>" },
        // Hex without 0x is text: the CLI adds 0x itself when it means a key ID.
        { "2A879943", KeyQueryKind.UserId, "2A879943" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Search_values_are_read_as_the_clients_mean_them(string search, KeyQueryKind kind, string value)
    {
        var parsed = KeyQuery.Parse(search, exact: false);

        Assert.True(parsed.Succeeded, parsed.Message);
        Assert.Equal(kind, parsed.Value!.Kind);
        Assert.Equal(value, parsed.Value.Value);
    }

    public static TheoryData<string?, string> Refused => new()
    {
        { null, "search is required" },
        { "", "search is required" },
        { "   ", "search is required" },
        { "0x", "not a key ID" },
        { "0xZZ123456", "not a key ID" },
        { "0x1234567", "not 7" },
        { "0x" + new string('a', 17), "not 17" },
        { "0x" + new string('a', 20), "not 20" },
        { "0x" + new string('a', 64), "not 64" },
        { "a\nb", "control characters" },
        { new string('x', 257), "longer than 256" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Malformed_searches_are_refused_with_a_reason(string? search, string reason)
    {
        var parsed = KeyQuery.Parse(search, exact: false);

        Assert.Equal(Failure.Invalid, parsed.Failure);
        Assert.Contains(reason, parsed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice", false, "Alice Example <alice@example.org>", true)]
    [InlineData("EXAMPLE.ORG", false, "Alice Example <alice@example.org>", true)]
    [InlineData("bob", false, "Alice Example <alice@example.org>", false)]
    [InlineData("alice@example.org", true, "Alice Example <alice@example.org>", true)]
    [InlineData("<ALICE@example.org>", true, "Alice Example <alice@example.org>", true)]
    [InlineData("Alice Example <alice@example.org>", true, "Alice Example <alice@example.org>", true)]
    [InlineData("alice", true, "Alice Example <alice@example.org>", false)]
    [InlineData("alice@example", true, "Alice Example <alice@example.org>", false)]
    [InlineData("Alice Example", true, "Alice Example <alice@example.org>", false)]
    [InlineData("build-bot", true, "build-bot", true)]
    public void User_ids_match_by_part_or_with_exact_as_a_whole(string search, bool exact, string userId, bool matches)
    {
        var query = KeyQuery.Parse(search, exact).Value!;

        Assert.Equal(matches, query.MatchesUserId(userId));
    }
}
