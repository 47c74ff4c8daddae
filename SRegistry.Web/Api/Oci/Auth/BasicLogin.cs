using System.Text;
using SRegistry.Core.Accounts;
using SRegistry.Core.Model;
using SRegistry.Core.Statistics;

namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>The outcome of checking Basic credentials: the user, or why not (a bad pair, or a braked address and how long).</summary>
public sealed record BasicLoginResult(User? User, TimeSpan? BrakedFor)
{
    public bool Succeeded => User is not null;
}

/// <summary>
/// <c>Authorization: Basic username:apitoken</c>, what <c>docker login</c>, <c>oras login</c>, skopeo <c>--creds</c> and
/// <c>singularity registry login</c> send: the password is an API token from the Token page and the username must be its
/// owner's. A bad pair counts against the same per-address brake as a bad bearer token
/// (<see cref="FailedTokenLimiter"/>); a valid pair always passes.
/// </summary>
public static class BasicLogin
{
    /// <summary>The username and password of a Basic header, or null when the header is absent, another scheme or malformed.</summary>
    public static (string Username, string Password)? From(string header)
    {
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !header.AsSpan(0, space).Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var encoded = header[(space + 1)..].Trim();
        if (encoded.Length is 0 or > 2048)
        {
            return null;
        }
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var written))
        {
            return ("", "");
        }
        var pair = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (pair, "") : (pair[..colon], pair[(colon + 1)..]);
    }

    /// <summary>Whether the request carries a Basic header at all (a malformed one included: it is a bad credential).</summary>
    public static bool IsPresented(HttpContext context) => From(context.Request.Headers.Authorization.ToString()) is not null;

    /// <summary>Checks the request's Basic credentials, counting a bad pair against the address's brake.</summary>
    public static async Task<BasicLoginResult> CheckAsync(HttpContext context)
    {
        var (username, password) = From(context.Request.Headers.Authorization.ToString()) ?? ("", "");
        var services = context.RequestServices;
        var limiter = services.GetRequiredService<FailedTokenLimiter>();
        var address = context.Connection.RemoteIpAddress;
        var braked = limiter.RetryAfter(address);
        var user = password.Length == 0 ? null : await services.GetRequiredService<TokenService>().ValidateAsync(password, context.RequestAborted);
        if (user is not null && string.Equals(user.Username, username, StringComparison.Ordinal))
        {
            return new BasicLoginResult(user, null);
        }
        RegistryMetrics.FailedTokenChecks.Add(1);
        if (braked is null)
        {
            limiter.RecordFailure(address);
        }
        return new BasicLoginResult(null, braked);
    }
}
