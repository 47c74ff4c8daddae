using System.Globalization;
using SRegistry.Web.Api.Library;

namespace SRegistry.Web.Auth;

/// <summary>
/// Answers 429 to a request whose bad token came from an address that failed too many token checks
/// (<see cref="SRegistry.Core.Accounts.FailedTokenLimiter"/>): only the failing caller is slowed, and a valid token
/// is never refused, so a job array with a stale token behind a site's NAT locks nobody else out. Runs after
/// authentication, which marks such requests. Paths that ignore the header by contract (docs/protocol/library.md#auth: <c>/version</c>,
/// discovery, the signed transfer URLs) are served as usual.
/// </summary>
public static class TokenThrottle
{
    private static readonly string[] IgnoresToken = ["/version", "/assets/config", "/_blobs", "/healthz"];
    private static readonly object BrakedKey = new();

    /// <summary>Called by the token check: this request's token was bad and its address is braked for <paramref name="wait"/>.</summary>
    internal static void MarkBraked(HttpContext context, TimeSpan wait) => context.Items[BrakedKey] = wait;

    public static WebApplication UseTokenThrottle(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (context.Items.TryGetValue(BrakedKey, out var marked) && marked is TimeSpan wait
                && !IgnoresToken.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var message = $"too many failed token checks from your address; try again in {seconds} s";
                if (LibraryApiExtensions.IsApiPath(path))
                {
                    await LibraryError.WriteAsync(context.Response, StatusCodes.Status429TooManyRequests, message);
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    await context.Response.WriteAsync(message);
                }
                return;
            }
            await next(context);
        });
        return app;
    }
}
