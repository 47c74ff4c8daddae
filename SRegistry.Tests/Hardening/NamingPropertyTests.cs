using System.Text;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// Properties of the name rules and the reference parser, checked over many generated inputs (fixed seeds, so a
/// failure is reproducible): nothing accepted can act as a path or carry control characters, parsing never throws,
/// and format then parse gives back the same reference.
/// </summary>
public sealed class NamingPropertyTests
{
    private const int Runs = 20_000;

    // Valid characters, separators, and everything an attacker would try instead: slashes, backslashes, dots in a row,
    // whitespace, control characters, percent signs, and look-alikes of '.', '/', 'a' and 's' from other scripts.
    private static readonly string Hostile =
        "abcdefghijklmnopqrstuvwxyz0123456789ABCZ._-._-/\\:..  \t\n\r\0\u0001\u007f%é\u0430\u0455\uff0e\uff0f\u2024\u2025\u202e\u200b\u00a0";

    [Fact]
    public void Accepted_names_and_tags_never_contain_path_or_control_characters()
    {
        var random = new Random(1207);
        for (var run = 0; run < Runs; run++)
        {
            var text = run % 2 == 0 ? RandomText(random, Hostile, 140) : Mutate(random, ValidName(random));
            if (NameRules.IsCollectionName(text))
            {
                AssertSafeName(text, allowDot: false);
            }
            if (NameRules.IsContainerName(text))
            {
                AssertSafeName(text, allowDot: true);
                Assert.Equal(text, text.ToLowerInvariant());
            }
            if (NameRules.IsTag(text))
            {
                AssertSafeText(text);
                Assert.True(char.IsAsciiLetterOrDigit(text[0]), text);
                Assert.False(text.StartsWith("sha256.", StringComparison.Ordinal) || text.StartsWith("sif.", StringComparison.Ordinal), text);
            }
            if (NameRules.IsImageHash(text))
            {
                Assert.Matches("^sha256\\.[0-9a-f]{64}$", text);
            }
        }
    }

    [Fact]
    public void Parsing_never_throws_and_whatever_it_accepts_is_made_of_valid_parts()
    {
        var random = new Random(2411);
        for (var run = 0; run < Runs; run++)
        {
            var path = (run % 3) switch
            {
                0 => RandomText(random, Hostile, 300),
                1 => Mutate(random, Format(RandomRef(random))),
                _ => string.Join('/', Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(4) == 0 ? "" : Mutate(random, ValidName(random)))),
            };
            var parsed = LibraryRef.Parse(path, "library");
            if (!parsed.Succeeded)
            {
                Assert.False(string.IsNullOrWhiteSpace(parsed.Error));
                Assert.DoesNotContain(parsed.Error!, c => char.IsControl(c));
                continue;
            }
            var reference = parsed.Value!;
            Assert.True(reference.Entity is null || NameRules.IsEntityName(reference.Entity), path);
            Assert.True(NameRules.IsCollectionName(reference.Collection), path);
            Assert.True(NameRules.IsContainerName(reference.Container), path);
            Assert.True(NameRules.IsTag(reference.Tag) || NameRules.IsImageHash(reference.Tag), path);
            Assert.Equal(reference, LibraryRef.Parse(reference.ToString(), "library").Value);
        }
    }

    [Fact]
    public void Format_then_parse_gives_back_the_same_reference()
    {
        var random = new Random(3001);
        for (var run = 0; run < Runs; run++)
        {
            var reference = RandomRef(random);
            var parsed = LibraryRef.Parse(Format(reference), "library");
            Assert.True(parsed.Succeeded, $"{Format(reference)}: {parsed.Error}");
            Assert.Equal(reference, parsed.Value);
            Assert.Equal(reference, LibraryRef.Parse(reference.ToString(), "library").Value);
        }
    }

    [Fact]
    public void Shortened_text_for_messages_is_bounded_and_has_no_control_characters()
    {
        var random = new Random(4421);
        for (var run = 0; run < Runs; run++)
        {
            var shown = LibraryRef.Shorten(RandomText(random, Hostile, 500));
            Assert.True(shown.Length <= 65, shown);
            Assert.DoesNotContain(shown, c => char.IsControl(c));
        }
    }

    [Fact]
    public async Task The_blob_store_maps_only_sha256_hex_to_paths_and_keeps_them_inside_the_store()
    {
        var root = Directory.CreateTempSubdirectory("sreg-names-").FullName;
        try
        {
            var store = new LocalBlobStore(new DataFolder(Options.Create(new RegistryOptions { DataPath = root })), Options.Create(new BlobStoreOptions()));
            var blobs = Path.GetFullPath(Path.Combine(root, "blobs")) + Path.DirectorySeparatorChar;
            var random = new Random(5113);
            for (var run = 0; run < Runs; run++)
            {
                var hex = run % 2 == 0 ? RandomText(random, "0123456789abcdef", 70) : RandomText(random, Hostile + "0123456789abcdef", 70);
                if (NameRules.IsSha256Hex(hex))
                {
                    Assert.False(await store.ExistsAsync(hex));
                    Assert.Null(store.GetLocalPath(hex));
                    Assert.StartsWith(blobs, Path.GetFullPath(Path.Combine(blobs, "sha256", hex[..2], hex)), StringComparison.Ordinal);
                }
                else
                {
                    await Assert.ThrowsAsync<ArgumentException>(() => store.ExistsAsync(hex));
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void AssertSafeName(string name, bool allowDot)
    {
        AssertSafeText(name);
        Assert.DoesNotContain("..", name, StringComparison.Ordinal);
        Assert.True(name.Length is > 0 and <= NameRules.MaxNameLength, name);
        Assert.All(name, c => Assert.True(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' || (allowDot && c == '.'), name));
        Assert.True(char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]), name);
    }

    /// <summary>
    /// What every accepted name and tag must avoid: separators of paths and references, whitespace, control
    /// characters and anything outside ASCII. (Tags may hold ".." inside, as in "1..2": a tag is never a path segment.)
    /// </summary>
    private static void AssertSafeText(string text)
    {
        Assert.True(text.Length is > 0 and <= 128, text);
        Assert.All(text, c => Assert.True(c is > ' ' and < '\u007f' && c is not ('/' or '\\' or ':' or '%'), text));
        Assert.NotEqual(".", text);
        Assert.NotEqual("..", text);
    }

    private static LibraryRef RandomRef(Random random)
    {
        var tag = random.Next(5) == 0
            ? "sha256." + RandomText(random, "0123456789abcdef", 64, exact: true)
            : RandomText(random, "ABCabc0123", 1, exact: true) + RandomText(random, "abcXYZ0123._-", 20);
        var collection = string.Join(random.Next(2) == 0 ? "-" : "_", Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomText(random, "abcxyz0129", 6, exact: false, min: 1)));
        return new LibraryRef(random.Next(3) == 0 ? null : ValidName(random), collection, ValidName(random), tag);
    }

    /// <summary>The reference the way clients send it: entity omitted when absent.</summary>
    private static string Format(LibraryRef reference) =>
        (reference.Entity is null ? "" : reference.Entity + "/") + reference.Collection + "/" + reference.Container + ":" + reference.Tag;

    private static string ValidName(Random random) =>
        string.Join("._-"[random.Next(3)], Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomText(random, "abcdefxyz0123456789", 8, exact: false, min: 1)));

    /// <summary>One small hostile edit of a valid string: insert, replace or delete a character.</summary>
    private static string Mutate(Random random, string text)
    {
        var builder = new StringBuilder(text);
        var at = random.Next(builder.Length + 1);
        var c = Hostile[random.Next(Hostile.Length)];
        switch (random.Next(4))
        {
            case 0:
                builder.Insert(at, c);
                break;
            case 1 when at < builder.Length:
                builder[at] = c;
                break;
            case 2 when at < builder.Length:
                builder.Remove(at, 1);
                break;
            default:
                builder.Insert(at, random.Next(2) == 0 ? ".." : "/");
                break;
        }
        return builder.ToString();
    }

    private static string RandomText(Random random, string alphabet, int maxLength, bool exact = false, int min = 0)
    {
        var length = exact ? maxLength : random.Next(min, maxLength + 1);
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(alphabet[random.Next(alphabet.Length)]);
        }
        return builder.ToString();
    }
}
