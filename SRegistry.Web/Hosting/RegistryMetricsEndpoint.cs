using System.Net;
using Microsoft.AspNetCore.Authentication;
using Prometheus;
using SRegistry.Core.Accounts;
using SRegistry.Core.Statistics;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Hosting;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format (prometheus-net): HTTP requests by route, method and status with
/// durations, plus the <c>SRegistry</c> meter's counters and gauges. Only admin tokens, or scrapers in
/// <c>Registry:Metrics:AllowedNetworks</c>, may read it; everyone else gets 404, as if it did not exist.
/// </summary>
public static class RegistryMetricsEndpoint
{
    public static async Task UseRegistryMetricsAsync(this WebApplication app)
    {
        // prometheus-net starts listening to .NET meters at its first collection; without this one, pushes and pulls
        // before the first scrape would never be counted (prometheus-net issue 487).
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(Stream.Null);
        _ = app.Services.GetRequiredService<StoreGauges>();
        var allowed = ParseNetworks(ListSetting.Entries(app.Configuration, "Registry:Metrics:AllowedNetworks"));
        app.UseHttpMetrics();
        app.UseWhen(context => context.Request.Path.Equals("/metrics", StringComparison.Ordinal),
            branch => branch.Use(async (context, next) =>
            {
                if (Allowed(context.Connection.RemoteIpAddress, allowed) || await IsAdminAsync(context))
                {
                    await next(context);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }));
        app.MapMetrics("/metrics");
    }

    /// <summary>A bearer token only: a browser's session cookie does not open the metrics.</summary>
    private static async Task<bool> IsAdminAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(BearerTokenHandler.SchemeName);
        var userId = result.Succeeded ? RegistryClaims.UserIdOf(result.Principal!) : null;
        return userId is not null
            && (await context.RequestServices.GetRequiredService<UserAccounts>().PrincipalForAsync(userId, context.RequestAborted)).IsAdmin;
    }

    private static bool Allowed(IPAddress? address, IReadOnlyList<IPNetwork> networks)
    {
        if (address is null)
        {
            return false;
        }
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return networks.Any(n => n.Contains(plain));
    }

    private static List<IPNetwork> ParseNetworks(IEnumerable<string> entries) =>
        [.. entries.SelectMany(e => e.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)).Select(entry =>
            IPNetwork.TryParse(entry, out var network) ? network
            : IPAddress.TryParse(entry, out var single) ? new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : throw new InvalidOperationException($"Registry:Metrics:AllowedNetworks: '{entry}' is neither an address nor a CIDR range"))];
}
