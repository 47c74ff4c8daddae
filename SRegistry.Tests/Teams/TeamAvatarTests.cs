using SRegistry.Core.Teams;

namespace SRegistry.Tests.Teams;

public sealed class TeamAvatarTests
{
    public static TheoryData<string, byte[]> RealImages => new()
    {
        { "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16] },
        { "image/gif", "GIF89a\x01\x00"u8.ToArray() },
        { "image/webp", "RIFF\x10\x00\x00\x00WEBPVP8 "u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(RealImages))]
    public void Raster_images_are_accepted_with_the_type_their_bytes_say(string expectedType, byte[] bytes)
    {
        var (type, error) = TeamAvatar.Check(bytes);
        Assert.Null(error);
        Assert.Equal(expectedType, type);
    }

    [Theory]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")]
    [InlineData("<html><body>hello</body></html>")]
    [InlineData("RIFF\x10\x00\x00\x00WAVEfmt ")]
    public void Anything_that_is_not_a_raster_image_is_refused_whatever_it_is_called(string content)
    {
        var (type, error) = TeamAvatar.Check(System.Text.Encoding.UTF8.GetBytes(content));
        Assert.Null(type);
        Assert.Equal("the avatar must be a PNG, JPEG, GIF or WebP image", error);
    }

    [Fact]
    public void Empty_and_oversized_files_are_refused_with_the_limit_named()
    {
        Assert.Equal("the avatar file is empty", TeamAvatar.Check([]).Error);
        var big = new byte[TeamAvatar.MaxBytes + 1];
        big[0] = 0xFF; big[1] = 0xD8; big[2] = 0xFF;
        Assert.Equal("the avatar is larger than 256 KiB", TeamAvatar.Check(big).Error);
        Assert.Null(TeamAvatar.Check(big.AsSpan(0, TeamAvatar.MaxBytes)).Error);
    }
}
