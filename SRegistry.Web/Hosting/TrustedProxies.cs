using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using SRegistry.Core.Configuration;

namespace SRegistry.Web.Hosting;

/// <summary>
/// <c>Registry:TrustedProxies</c>: the client address, scheme and host a trusted reverse proxy forwards replace the
/// connection's own, before anything else runs, so the request log, the token brake, cookies (<c>Secure</c>), the OIDC
/// redirect URI and transfer URLs all see the client's view. Headers from anyone else are ignored.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = RegistryOptions.Section + ":" + nameof(RegistryOptions.TrustedProxies);

    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        var (addresses, networks) = Parse(Entries(builder.Configuration));
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The framework trusts loopback by default; here only what the setting names is trusted.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var address in addresses)
            {
                o.KnownProxies.Add(address);
            }
            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(network);
            }
            // Walk back through a chain of trusted proxies; the first untrusted hop is the client.
            o.ForwardLimit = null;
        });
        return builder;
    }

    /// <summary>
    /// First in the pipeline. Without trusted proxies the middleware is not added at all: with both of its lists empty
    /// it would believe every address.
    /// </summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        if (Entries(app.Configuration).Any(e => !string.IsNullOrWhiteSpace(e)))
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    /// <summary>Whether a trusted proxy forwarded this request (the middleware keeps the connection's own address aside when it does).</summary>
    public static bool Forwarded(HttpRequest request) => request.Headers.ContainsKey(ForwardedHeadersDefaults.XOriginalForHeaderName);

    /// <summary>The list (<c>Registry__TrustedProxies__0=…</c>), or one value separated by commas or spaces (<c>Registry__TrustedProxies="a, b"</c>).</summary>
    public static IEnumerable<string> Entries(IConfiguration configuration) => ListSetting.Entries(configuration, Setting);

    /// <summary>
    /// Addresses and CIDR ranges; each IPv4 one also in its IPv4-mapped IPv6 form, the way a dual-stack socket reports it.
    /// Anything else stops the start with the entry named.
    /// </summary>
    public static (List<IPAddress> Addresses, List<System.Net.IPNetwork> Networks) Parse(IEnumerable<string> entries)
    {
        var addresses = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }
            if (!entry.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(entry, out var address))
            {
                addresses.Add(address);
                if (address.AddressFamily == AddressFamily.InterNetwork)
                {
                    addresses.Add(address.MapToIPv6());
                }
            }
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
                if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
                {
                    networks.Add(new System.Net.IPNetwork(network.BaseAddress.MapToIPv6(), network.PrefixLength + 96));
                }
            }
            else
            {
                throw new InvalidOperationException(
                    $"{Setting}: '{entry}' is neither an IP address nor a CIDR range (like 10.0.0.5 or 10.0.0.0/24)");
            }
        }
        return (addresses, networks);
    }
}
