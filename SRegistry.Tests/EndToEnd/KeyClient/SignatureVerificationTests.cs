using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Contents;
using SRegistry.Core.Keys;
using SRegistry.Core.Model;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Keys;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// Images built like SingularityCE's, signed by the Go sif library with GnuPG keys, pushed by the real library client:
/// the registry verifies each signature as the Go integrity package does (the driver's verify is the oracle), says
/// who signed and whether the key is held here, and checks again when keys come and go.
/// </summary>
public sealed class SignatureVerificationTests : IClassFixture<KeyserverWorld>, IDisposable
{
    private readonly KeyserverWorld world;
    private readonly BuiltSifs sifs = new();

    public SignatureVerificationTests(KeyserverWorld world)
    {
        Assert.SkipUnless(KeyClientDriver.Available && LibraryClientDriver.Available && BuiltSifs.Available,
            "Go, gnupg, siftool, squashfs-tools or the client sources are not installed");
        this.world = world;
    }

    [Fact]
    public async Task A_signed_image_verifies_names_its_signer_and_is_checked_again_when_its_key_goes_and_comes_back()
    {
        var (fingerprint, secret) = await NewKeyAsync("Vera Verified <vera@example.org>", push: true);
        var image = await sifs.CreateAsync(labels: "{\"org.label-schema.version\":\"3.4\",\"maintainer\":\"Vera's Lab <vera-lab@example.org>\"}");
        await SignAsync(image.Path, secret);
        await PushAsync(image.Path, "alice/verify/good:v1");

        var view = await ViewAsync("verify", "good");
        Assert.Equal(SignatureState.Verified, view.SignatureState);
        var verdict = Assert.Single(view.Verdicts);
        Assert.Equal($"verified: signed by Vera Verified <vera@example.org> ({fingerprint}), key held here", verdict.Detail);
        Assert.True((await KeyClientDriver.RunAsync(world.BaseUrl, null, "verify", image.Path)).Succeeded, "the Go oracle disagrees");

        // search --signed finds verified images only.
        var signed = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "good", "-arch", "amd64", "-signed");
        Assert.Equal("good", (string)Assert.Single(signed.Json["image"]!.AsArray())!["containerName"]!);

        // A label value finds the image and its container; the image JSON keeps the shape a name search gives it.
        var byLabel = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "VERA-LAB@example");
        var byName = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "good");
        Assert.Equal("good", (string)Assert.Single(byLabel.Json["container"]!.AsArray())!["name"]!);
        Assert.Equal(Assert.Single(byName.Json["image"]!.AsArray())!.ToJsonString(), Assert.Single(byLabel.Json["image"]!.AsArray())!.ToJsonString());
        var raw = (await LibraryProtocol.DataAsync(await world.Client().GetAsync("v1/search?value=vera-lab")))["image"]!.AsArray();
        var rawNamed = (await LibraryProtocol.DataAsync(await world.Client().GetAsync("v1/search?value=good")))["image"]!.AsArray();
        Assert.Equal(Assert.Single(rawNamed)!.AsObject().Select(p => p.Key), Assert.Single(raw)!.AsObject().Select(p => p.Key));
        Assert.DoesNotContain(Assert.Single(raw)!.AsObject(), p => p.Key.Contains("label", StringComparison.OrdinalIgnoreCase));

        var removed = await world.InScopeAsync(async sp =>
            await sp.GetRequiredService<PublishedKeys>().RemoveAsync(await PrincipalAsync(sp, "alice"), fingerprint));
        Assert.True(removed.Succeeded, removed.Message);
        view = await ViewAsync("verify", "good");
        Assert.Equal(SignatureState.UnknownKey, view.SignatureState);
        Assert.Equal($"signed by a key this registry does not hold ({fingerprint})", Assert.Single(view.Verdicts).Detail);
        signed = await LibraryClientDriver.RunAsync(world.BaseUrl, null, "search", "good", "-arch", "amd64", "-signed");
        Assert.Empty(signed.Json["image"]!.AsArray());

        await PushKeyAsync(fingerprint);
        Assert.Equal(SignatureState.Verified, (await ViewAsync("verify", "good")).SignatureState);
    }

    [Fact]
    public async Task One_byte_of_a_partition_changed_does_not_verify_and_names_the_object()
    {
        var (_, secret) = await NewKeyAsync("Tess Tampered <tess@example.org>", push: true);
        var image = await sifs.CreateAsync();
        await SignAsync(image.Path, secret);
        SifTampering.FlipPartitionByte(image.Path);
        await PushAsync(image.Path, "alice/verify/flipped:v1");

        var view = await ViewAsync("verify", "flipped");
        Assert.Equal(SignatureState.DoesNotVerify, view.SignatureState);
        var partition = Assert.Single(view.Partitions);
        Assert.Equal($"signature does not verify: the data of object {partition.Id} does not match what was signed", Assert.Single(view.Verdicts).Detail);
        Assert.False((await KeyClientDriver.RunAsync(world.BaseUrl, null, "verify", image.Path)).Succeeded, "the Go oracle accepted it");
    }

    [Fact]
    public async Task A_signature_beyond_the_first_megabytes_is_checked_too_and_a_flipped_byte_there_is_found()
    {
        // An object store's staged upload is read once: its head, and digests of what lies beyond (test.sh's S3 pass).
        var (fingerprint, secret) = await NewKeyAsync("Bea Big <bea@example.org>", push: true);
        var big = await sifs.CreateAsync(randomBytes: 6 << 20);
        await SignAsync(big.Path, secret);
        await PushAsync(big.Path, "alice/verify/big:v1");
        var flipped = await sifs.CreateAsync(randomBytes: 6 << 20);
        await SignAsync(flipped.Path, secret);
        SifTampering.FlipPartitionByte(flipped.Path);
        await PushAsync(flipped.Path, "alice/verify/bigflipped:v1");

        var view = await ViewAsync("verify", "big");
        Assert.True(Assert.Single(view.Partitions).Size > 6 << 20);
        Assert.Equal(SignatureState.Verified, view.SignatureState);
        Assert.Contains(fingerprint, Assert.Single(view.Verdicts).Detail, StringComparison.Ordinal);
        var broken = await ViewAsync("verify", "bigflipped");
        Assert.Equal(SignatureState.DoesNotVerify, broken.SignatureState);
        Assert.Equal($"signature does not verify: the data of object {Assert.Single(broken.Partitions).Id} does not match what was signed",
            Assert.Single(broken.Verdicts).Detail);
    }

    [Fact]
    public async Task Swapped_descriptors_do_not_verify()
    {
        var (_, secret) = await NewKeyAsync("Sam Swapped <sam@example.org>", push: true);
        var image = await sifs.CreateAsync();
        await SignAsync(image.Path, secret);
        SifTampering.SwapDefinitionAndLabels(image.Path);
        await PushAsync(image.Path, "alice/verify/swapped:v1");

        var view = await ViewAsync("verify", "swapped");
        Assert.Equal(SignatureState.DoesNotVerify, view.SignatureState);
        Assert.Matches("^signature does not verify: the (descriptor|data) of object 1 does not match what was signed$", Assert.Single(view.Verdicts).Detail);
        Assert.False((await KeyClientDriver.RunAsync(world.BaseUrl, null, "verify", image.Path)).Succeeded, "the Go oracle accepted it");
    }

    [Fact]
    public async Task A_signature_by_a_key_not_held_here_is_reported_as_such()
    {
        var (fingerprint, secret) = await NewKeyAsync("Uma Unknown <uma@example.org>", push: false);
        var image = await sifs.CreateAsync();
        await SignAsync(image.Path, secret);
        await PushAsync(image.Path, "alice/verify/stranger:v1");

        var view = await ViewAsync("verify", "stranger");
        Assert.Equal(SignatureState.UnknownKey, view.SignatureState);
        Assert.Equal($"signed by a key this registry does not hold ({fingerprint})", Assert.Single(view.Verdicts).Detail);
    }

    private async Task<(string Fingerprint, string SecretFile)> NewKeyAsync(string userId, bool push)
    {
        var fingerprint = await world.Gpg.GenerateAsync(userId);
        if (push)
        {
            await PushKeyAsync(fingerprint);
        }
        return (fingerprint, await world.Gpg.ExportToFileAsync(fingerprint, secret: true));
    }

    private async Task PushKeyAsync(string fingerprint)
    {
        var push = await KeyClientDriver.RunAsync(world.BaseUrl, world.AliceToken, "push", await world.Gpg.ExportToFileAsync(fingerprint));
        Assert.True(push.Succeeded, push.Error);
    }

    private async Task SignAsync(string path, string secretFile)
    {
        var sign = await KeyClientDriver.RunAsync(world.BaseUrl, null, "sign", path, secretFile);
        Assert.True(sign.Succeeded, sign.Error);
    }

    private async Task PushAsync(string path, string reference)
    {
        var push = await LibraryClientDriver.RunAsync(world.BaseUrl, world.AliceToken, "push", path, reference.Split(':')[0], "-tags", reference.Split(':')[1]);
        Assert.True(push.Succeeded, push.Error);
    }

    private async Task<ImageContentsView> ViewAsync(string collection, string container)
    {
        var views = await world.InScopeAsync(sp => sp.GetRequiredService<ImageContentsQuery>().ForContainerAsync(Principal.Anonymous, collection, container));
        Assert.True(views.Succeeded, views.Message);
        return Assert.Single(views.Value!);
    }

    internal static async Task<Principal> PrincipalAsync(IServiceProvider sp, string username)
    {
        var users = sp.GetRequiredService<UserAccounts>();
        return await users.PrincipalForAsync((await users.EnsureLocalUserAsync(username, makeAdmin: false)).Id);
    }

    public void Dispose() => sifs.Dispose();
}
