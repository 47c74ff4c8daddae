using System.Net;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Keys;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// A SIF really signed with a GnuPG key (the SIF library's own signer), pushed by the real library client: the registry
/// marks it signed with the key's fingerprint, names the signer from its keyserver, and <c>search --signed</c> finds only
/// it. The pulled image verifies against the key fetched from the same keyserver, as <c>singularity verify</c> does.
/// </summary>
public sealed class SignedImageTests : IClassFixture<KeyserverWorld>, IDisposable
{
    private const string SignerName = "Signe Signer <signe.signer@example.org>";
    private readonly KeyserverWorld world;
    private readonly SifFiles sifs = new();

    public SignedImageTests(KeyserverWorld world)
    {
        Assert.SkipUnless(KeyClientDriver.Available && LibraryClientDriver.Available && SifFiles.SiftoolAvailable,
            "Go, gnupg, siftool or the client sources are not installed");
        this.world = world;
    }

    [Fact]
    public async Task A_signed_image_shows_its_signer_and_only_it_is_found_by_signed_search()
    {
        var fingerprint = await world.Gpg.GenerateAsync(SignerName);
        var keyPush = await KeyClientDriver.RunAsync(world.BaseUrl, world.AliceToken, "push", await world.Gpg.ExportToFileAsync(fingerprint));
        Assert.True(keyPush.Succeeded, keyPush.Error);
        var signed = await sifs.CreateAsync(40_000, grouped: true);
        var sign = await KeyClientDriver.RunAsync(world.BaseUrl, null, "sign", signed.Path, await world.Gpg.ExportToFileAsync(fingerprint, secret: true));
        Assert.True(sign.Succeeded, sign.Error);
        var unsigned = await sifs.CreateAsync(40_000, grouped: true);

        foreach (var (path, container) in new[] { (signed.Path, "sealed"), (unsigned.Path, "plain") })
        {
            var push = await LibraryClientDriver.RunAsync(world.BaseUrl, world.AliceToken, "push", path, $"alice/signing/{container}", "-tags", "latest");
            Assert.True(push.Succeeded, push.Error);
        }

        // The API, as the library client decodes it.
        var sealedImage = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "image", "alice/signing/sealed:latest");
        Assert.True(sealedImage.Succeeded, sealedImage.Error);
        Assert.True((bool)sealedImage.Json["signed"]!);
        Assert.Equal(fingerprint, (string)Assert.Single(sealedImage.Json["fingerprints"]!.AsArray())!);
        var plainImage = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "image", "alice/signing/plain:latest");
        Assert.False((bool)plainImage.Json["signed"]!);
        Assert.Null(plainImage.Json["fingerprints"]);

        // singularity search --signed sends the machine's arch and signed=true.
        var signedOnly = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "signing", "-arch", "amd64", "-signed");
        Assert.True(signedOnly.Succeeded, signedOnly.Error);
        var found = Assert.Single(signedOnly.Json["image"]!.AsArray())!;
        Assert.Equal("sealed", (string)found["containerName"]!);
        Assert.Equal(fingerprint, (string)found["fingerprints"]![0]!);
        var everything = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "signing", "-arch", "amd64");
        Assert.Equal(2, everything.Json["image"]!.AsArray().Count);

        // The container page says the signature verified and names the signer from the keyserver; the unsigned image's page has no badge.
        var page = await world.Client().GetStringAsync("collections/signing/sealed");
        Assert.Contains("data-testid=\"signature-state\"", page, StringComparison.Ordinal);
        Assert.Contains("data-state=\"Verified\"", page, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(SignerName), page, StringComparison.Ordinal);
        Assert.Contains(fingerprint, page, StringComparison.Ordinal);
        var plainPage = await world.Client().GetStringAsync("collections/signing/plain");
        Assert.DoesNotContain("data-testid=\"signature-state\"", plainPage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"signed\"", plainPage, StringComparison.Ordinal);

        // What singularity verify does after a pull: fetch each signer's key by 64-bit key ID and check the signatures.
        var pulled = Path.Combine(sifs.Folder, "pulled.sif");
        var pull = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "pull", "alice/signing/sealed", "latest", pulled);
        Assert.True(pull.Succeeded, pull.Error);
        var verify = await KeyClientDriver.RunAsync(world.BaseUrl, null, "verify", pulled);
        Assert.True(verify.Succeeded, verify.Error);
        Assert.Equal(fingerprint, (string)verify.Json["signers"]![0]!);
        Assert.Equal(SignerName, (string)verify.Json["names"]![0]!);
    }

    public void Dispose() => sifs.Dispose();
}
