using System.Globalization;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Tls;

/// <summary>
/// Without a proxy, Kestrel serves https itself from ASP.NET Core's standard settings
/// (<c>Kestrel:Certificates:Default:Path</c> with <c>Password</c> for a PKCS#12 file, or with <c>KeyPath</c> for PEM), and
/// the real library client trusting the site's CA pushes and pulls through it: the published binary, Production settings.
/// </summary>
public sealed class KestrelHttpsTests : IAsyncLifetime
{
    private const long MultipartThreshold = 64L * 1024 * 1024;
    private readonly SifFiles sifs = new();
    private TestCertificates certificates = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TestCertificates.Available, "openssl is not installed");
        Assert.SkipUnless(LibraryClientDriver.Available && SifFiles.SiftoolAvailable, "the Go library client or siftool is missing");
        certificates = await TestCertificates.CreateAsync();
    }

    private RegistryProcess HttpsRegistry() => new() { Scheme = "https", Handler = () => certificates.TrustingHandler() };

    private async Task PushAndPullAsync(RegistryProcess registry, long payloadBytes, string reference)
    {
        var token = await registry.CreateTokenAsync("alice");
        var sif = await sifs.CreateAsync(payloadBytes);

        var pushed = await LibraryClientDriver.RunTrustingAsync(certificates.CaPem, registry.BaseUrl, token, "push", sif.Path, reference, "-tags", "1.0");
        Assert.True(pushed.Succeeded, pushed.Stderr);
        var pulledPath = Path.Combine(sifs.Folder, $"pulled-{Guid.NewGuid():N}.sif");
        var pulled = await LibraryClientDriver.RunTrustingAsync(certificates.CaPem, registry.BaseUrl, token, "pull", reference, "1.0", pulledPath,
            "-concurrency", "4", "-part-size", (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
        Assert.True(pulled.Succeeded, pulled.Stderr);

        Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(pulledPath));
        // Every URL it hands out is https on its own port.
        using var client = registry.Client();
        Assert.Contains($"\"{registry.BaseUrl}\"", await client.GetStringAsync("assets/config/config.prod.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pkcs12_certificate_with_its_password_serves_a_multipart_push_and_a_ranged_pull()
    {
        await using var registry = HttpsRegistry()
            .With("Kestrel__Certificates__Default__Path", certificates.ServerPfx)
            .With("Kestrel__Certificates__Default__Password", TestCertificates.PfxPassword);
        await registry.StartAsync();

        await PushAndPullAsync(registry, MultipartThreshold + (6 * 1024 * 1024), "alice/tls/big");

        Assert.Contains(registry.Output, l => l.Contains($"Now listening on: {registry.BaseUrl}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pem_certificate_and_key_serve_the_client_too()
    {
        await using var registry = HttpsRegistry()
            .With("Kestrel__Certificates__Default__Path", certificates.ServerPem)
            .With("Kestrel__Certificates__Default__KeyPath", certificates.ServerKey);
        await registry.StartAsync();

        await PushAndPullAsync(registry, 2 * 1024 * 1024, "alice/tls/small");
    }

    [Theory]
    [InlineData("server.pfx", "not-the-password", "password")]
    [InlineData("missing.pfx", TestCertificates.PfxPassword, "missing.pfx")]
    public async Task A_wrong_password_or_a_missing_certificate_stops_the_start_with_the_reason(string file, string password, string reason)
    {
        await using var registry = HttpsRegistry()
            .With("Kestrel__Certificates__Default__Path", Path.Combine(certificates.Folder, file))
            .With("Kestrel__Certificates__Default__Password", password);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(registry.StartAsync);

        Assert.Contains("the registry exited with", refused.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    public ValueTask DisposeAsync()
    {
        sifs.Dispose();
        certificates?.Dispose();
        return ValueTask.CompletedTask;
    }
}
