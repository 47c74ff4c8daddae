using System.Diagnostics;

namespace SRegistry.Web.Hosting;

public static partial class RequestHygiene
{
    /// <summary>
    /// Collapses doubled slashes: CLIs join URLs by concatenation and old clients send <c>v1/images//name</c> (docs/protocol/library.md#paths).
    /// </summary>
    public static WebApplication UseSlashCollapsing(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is not null && path.Contains("//", StringComparison.Ordinal))
            {
                while (path.Contains("//", StringComparison.Ordinal))
                {
                    path = path.Replace("//", "/", StringComparison.Ordinal);
                }
                context.Request.Path = path;
            }
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// One readable line per request, with the client's address (a trusted proxy's forwarded one). The query string is
    /// left out on purpose: signed URLs carry credentials there. Path and user are escaped (<see cref="LogText"/>).
    /// </summary>
    public static WebApplication UseRequestLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SRegistry.Requests");
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (!context.Request.Path.StartsWithSegments("/_blazor") && !context.Request.Path.StartsWithSegments("/_framework")
                    && !context.Request.Path.StartsWithSegments("/_content"))
                {
                    LogRequest(logger, LogText.Escape(context.Request.Method), LogText.Escape(context.Request.Path.Value), context.Response.StatusCode,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.Response.ContentLength ?? -1,
                        LogText.Escape(context.User.Identity?.Name ?? "-"), context.Connection.RemoteIpAddress?.ToString() ?? "-");
                }
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} → {Status} in {Elapsed:0.0} ms ({Bytes} bytes) user={User} client={Client}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsed, long bytes, string user, string client);
}
