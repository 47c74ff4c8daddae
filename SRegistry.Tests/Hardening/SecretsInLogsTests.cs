using System.Net;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The server's own log, captured from the real process, never holds a token or the credential of a signed URL,
/// even with every category turned up to the most verbose level.
/// </summary>
public sealed class SecretsInLogsTests : IDisposable
{
    private readonly SifFiles sifs = new();

    public SecretsInLogsTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    [Theory]
    [InlineData("shipped levels")]
    [InlineData("everything at Trace")]
    public async Task Tokens_and_signed_url_credentials_never_reach_the_log(string levels)
    {
        await using var registry = new RegistryProcess()
            .With("Registry__PartSizeBytes", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (levels == "everything at Trace")
        {
            registry.With("Logging__LogLevel__Default", "Trace").With("Logging__LogLevel__Microsoft.AspNetCore", "Trace")
                .With("Logging__LogLevel__Microsoft.EntityFrameworkCore", "Trace");
        }
        var token = await registry.CreateTokenAsync("logged");
        await registry.StartAsync();
        var recorder = new RecordingHandler();
        var library = new LibraryProtocol(new HttpClient(recorder) { BaseAddress = new Uri(registry.BaseUrl + "/") });
        library.Http.DefaultRequestHeaders.Authorization = new("BEARER", token);

        await library.PushAsync("logged/logs/single", await sifs.CreateAsync(50_000));
        await library.PushAsync("logged/logs/multi", await sifs.CreateAsync(6 * 1024 * 1024), multipart: true);
        await library.PullAsync("logged/logs/single:latest");
        Assert.Equal(HttpStatusCode.NotFound, (await registry.Client("sreg_wrong-guess").GetAsync("v1/token-status")).StatusCode);
        var signedUrls = recorder.Bodies.SelectMany(SignedUrls).ToList();
        using (var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }))
        {
            noRedirects.DefaultRequestHeaders.Authorization = new("BEARER", token);
            signedUrls.Add((await noRedirects.GetAsync(registry.BaseUrl + "/v1/imagefile/logged/logs/single:latest?arch=amd64")).Headers.Location!.ToString());
        }
        registry.Kill();

        var log = string.Join('\n', registry.Output);
        Assert.Contains("/v1/token-status", log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        Assert.DoesNotContain(token[5..], log, StringComparison.Ordinal);
        Assert.DoesNotContain("sreg_wrong-guess", log, StringComparison.Ordinal);
        Assert.True(signedUrls.Count >= 4, "expected upload, part and download URLs");
        foreach (var url in signedUrls)
        {
            var credential = url[(url.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
            Assert.DoesNotContain(credential, log, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.UnescapeDataString(credential), log, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("?t=", log, StringComparison.Ordinal);
    }

    private static IEnumerable<string> SignedUrls(string body) =>
        System.Text.RegularExpressions.Regex.Matches(body, "\"(?:uploadURL|presignedURL)\":\"([^\"]+)\"").Select(m => m.Groups[1].Value);

    /// <summary>Keeps every response body the client saw, to collect the signed URLs the server handed out.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                Bodies.Add(await response.Content.ReadAsStringAsync(cancellationToken));
            }
            return response;
        }
    }

    public void Dispose() => sifs.Dispose();
}
