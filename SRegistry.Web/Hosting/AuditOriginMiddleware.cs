using SRegistry.Core.Audit;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Tells the request's audit log where the request came from (the client's address once trusted proxies are applied).
/// Dashboard changes run in their own scopes, so they carry no address.
/// </summary>
public static class AuditOriginMiddleware
{
    public static WebApplication UseAuditOrigin(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<AuditOrigin>().RemoteAddress = context.Connection.RemoteIpAddress is { } address
                ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
                : null;
            return next(context);
        });
        return app;
    }
}
