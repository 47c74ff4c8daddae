using System.Globalization;
using SRegistry.Core.Accounts;
using SRegistry.Web.Api.Library;

namespace SRegistry.Web.Auth;

/// <summary>
/// Answers 429 to any request carrying a bearer token from an address that failed too many token checks
/// (<see cref="FailedTokenLimiter"/>), before the token is looked at. Paths that ignore the header by contract
/// (spec 2.2: <c>/version</c>, discovery, the signed transfer URLs) are served as usual.
/// </summary>
public static class TokenThrottle
{
    private static readonly string[] IgnoresToken = ["/version", "/assets/config", "/_blobs", "/healthz"];

    public static WebApplication UseTokenThrottle(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<FailedTokenLimiter>();
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (BearerTokenHandler.TokenFrom(context.Request.Headers.Authorization.ToString()) is not null
                && !IgnoresToken.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
                && limiter.RetryAfter(context.Connection.RemoteIpAddress) is { } wait)
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
