using System.Net;
using System.Text.RegularExpressions;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Hosting;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// <c>Registry:TrustedProxies</c>: <c>X-Forwarded-For/-Proto/-Host</c> are believed only from the listed addresses and
/// ranges (the test client on 127.0.0.1 plays the proxy), and then the URLs handed out, the cookie's <c>Secure</c> flag
/// and the token brake all use the forwarded values. Empty (the default), nobody's headers are believed, not even loopback's.
/// </summary>
public sealed partial class TrustedProxyTests
{
    private static HttpRequestMessage Forwarded(HttpMethod method, string path, string? forwardedFor, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "registry.example.org");
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static async Task<HttpStatusCode> TokenStatusAsync(RegistryServer server, string forwardedFor, string token)
    {
        using var client = server.Client();
        using var response = await client.SendAsync(Forwarded(HttpMethod.Get, "v1/token-status", forwardedFor, token));
        return response.StatusCode;
    }

    private static async Task<string> AdvertisedBaseUrlAsync(RegistryServer server)
    {
        using var client = server.Client();
        using var response = await client.SendAsync(Forwarded(HttpMethod.Get, "assets/config/config.prod.json", "198.51.100.7"));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("libraryAPI").GetProperty("uri").GetString()!;
    }

    [Fact]
    public async Task By_default_forwarded_headers_are_ignored_even_from_loopback()
    {
        await using var server = new RegistryServer().With("Registry:FailedTokenLimit", "2");

        Assert.Equal(server.BaseUrl, await AdvertisedBaseUrlAsync(server));
        // A client cannot dodge the brake by naming another address: all of these are the same caller.
        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "10.0.0.1", "sreg_bad1"));
        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "10.0.0.2", "sreg_bad2"));
        Assert.Equal((HttpStatusCode)429, await TokenStatusAsync(server, "10.0.0.3", "sreg_bad3"));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/8")]
    public async Task From_a_trusted_proxy_the_forwarded_scheme_and_host_build_the_urls(string trusted)
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies:0", trusted);

        Assert.Equal("https://registry.example.org", await AdvertisedBaseUrlAsync(server));
    }

    [Fact]
    public async Task One_value_may_list_several_entries_separated_by_commas()
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies", "10.9.9.9, 127.0.0.1");

        Assert.Equal("https://registry.example.org", await AdvertisedBaseUrlAsync(server));
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_brake_slows_only_the_failing_client()
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies:0", "127.0.0.1").With("Registry:FailedTokenLimit", "3");
        var valid = await server.CreateTokenAsync("patient");
        var other = await server.CreateTokenAsync("neighbour");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "10.0.0.1", $"sreg_stale{i}"));
        }

        Assert.Equal((HttpStatusCode)429, await TokenStatusAsync(server, "10.0.0.1", "sreg_stale-again"));
        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "10.0.0.2", "sreg_typo"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(server, "10.0.0.1", valid));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(server, "10.0.0.2", other));
    }

    [Fact]
    public async Task Addresses_a_client_puts_in_front_of_the_proxys_are_not_believed()
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies:0", "127.0.0.1").With("Registry:FailedTokenLimit", "1");

        // The proxy appends the address it saw (10.0.0.9) to what the client sent (6.6.6.6): the client is 10.0.0.9.
        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "6.6.6.6, 10.0.0.9", "sreg_bad"));
        Assert.Equal((HttpStatusCode)429, await TokenStatusAsync(server, "10.0.0.9", "sreg_bad-again"));
        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "6.6.6.6", "sreg_bad-elsewhere"));
    }

    [Fact]
    public async Task A_chain_of_trusted_proxies_is_walked_back_to_the_first_untrusted_hop()
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies:0", "127.0.0.1").With("Registry:TrustedProxies:1", "10.1.0.0/16")
            .With("Registry:FailedTokenLimit", "1");

        Assert.Equal(HttpStatusCode.NotFound, await TokenStatusAsync(server, "203.0.113.4, 10.1.2.3", "sreg_bad"));
        Assert.Equal((HttpStatusCode)429, await TokenStatusAsync(server, "203.0.113.4", "sreg_bad-again"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_session_cookie_is_secure_exactly_when_a_trusted_proxy_says_https(bool trusted)
    {
        await using var server = new RegistryServer();
        if (trusted)
        {
            server.With("Registry:TrustedProxies:0", "127.0.0.1");
        }
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(server.BaseUrl + "/") };
        using var form = await client.SendAsync(Forwarded(HttpMethod.Get, "signin/dev", "198.51.100.7"));
        var antiforgery = string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var token = VerificationToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        using var post = Forwarded(HttpMethod.Post, "signin/dev", "198.51.100.7");
        post.Headers.Add("Cookie", antiforgery);
        post.Content = new FormUrlEncodedContent([new("username", "devuser"), new("returnUrl", "/"), new("__RequestVerificationToken", token)]);

        using var signedIn = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sregistry=", StringComparison.Ordinal));
        Assert.Equal(trusted, session.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Entries_are_addresses_or_ranges_and_anything_else_stops_the_start_naming_it()
    {
        var (addresses, networks) = TrustedProxies.Parse(["10.0.0.5", " ::1 ", "192.168.0.0/16", "fd00::/8", ""]);

        Assert.Equal(["10.0.0.5", "::ffff:10.0.0.5", "::1"], addresses.Select(a => a.ToString()));
        Assert.Equal(["192.168.0.0/16", "::ffff:192.168.0.0/112", "fd00::/8"], networks.Select(n => n.ToString()));
        var refused = Assert.Throws<InvalidOperationException>(() => TrustedProxies.Parse(["10.0.0.5", "proxy.example.org"]));
        Assert.Contains("'proxy.example.org'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_entry_refuses_the_start()
    {
        await using var server = new RegistryServer().With("Registry:TrustedProxies:0", "10.0.0.0/33");

        var refused = Assert.ThrowsAny<Exception>(() => server.BaseUrl);

        Assert.Contains("Registry:TrustedProxies: '10.0.0.0/33'", refused.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}

/// <summary>The request log of the real binary names the client a trusted proxy forwarded, and the connection's address otherwise.</summary>
public sealed class TrustedProxyRequestLogTests
{
    [Theory]
    [InlineData(true, "client=203.0.113.9")]
    [InlineData(false, "client=127.0.0.1")]
    public async Task The_request_log_names_the_forwarded_client_only_from_a_trusted_proxy(bool trusted, string expected)
    {
        await using var registry = new RegistryProcess();
        if (trusted)
        {
            registry.With("Registry__TrustedProxies__0", "127.0.0.1");
        }
        await registry.StartAsync();
        using var client = registry.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "version");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode);
        for (var i = 0; i < 50 && !registry.Output.Any(l => l.Contains("GET /version", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
        }
        Assert.Contains(registry.Output, l => l.Contains("GET /version", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }
}
