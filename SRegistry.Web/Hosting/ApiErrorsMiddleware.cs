using Microsoft.AspNetCore.Diagnostics;
using SRegistry.Core;
using SRegistry.Core.Library;
using SRegistry.Core.Naming;
using SRegistry.Core.Storage;
using SRegistry.Web.Api.Library;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Keeps every API answer in the protocol's JSON error shape: framework status codes without a body (405, 415…),
/// bad requests Kestrel rejects, and unexpected exceptions (logged, never shown).
/// </summary>
public static partial class ApiErrorsMiddleware
{
    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(errors => errors.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, message) = (error, StorageFaults.Classify(error)) switch
            {
                (BadHttpRequestException bad, _) => (bad.StatusCode, "bad request: " + bad.Message),
                (_, StorageFault.Busy) => (StatusCodes.Status503ServiceUnavailable, "the registry's database is busy; nothing was changed, try again in a moment"),
                (_, StorageFault.Full) => (StatusCodes.Status507InsufficientStorage, Problem.StorageFull().Message),
                _ => (StatusCodes.Status500InternalServerError, "internal server error; the administrator can find details in the log"),
            };
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "2";
            }
            if (LibraryApiExtensions.IsApiPath(context.Request.Path))
            {
                await LibraryError.WriteAsync(context.Response, status, message);
            }
            else
            {
                context.Response.StatusCode = status;
                await context.Response.WriteAsync(message);
            }
        }));
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            if (LibraryApiExtensions.IsApiPath(context.Request.Path) && context.Response.StatusCode >= 400)
            {
                await LibraryError.WriteAsync(context.Response, context.Response.StatusCode, ReasonFor(context.Response.StatusCode));
            }
        });
        // The dashboard's catch-all not-found page takes any path, POST included: an API path must never land on a page
        // (docs/protocol/library.md#hosting), where it would get HTML or an antiforgery refusal instead of the envelope.
        app.Use((context, next) =>
        {
            if (LibraryApiExtensions.IsApiPath(context.Request.Path)
                && context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null)
            {
                var method = context.Request.Method;
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                    ? LibraryError.WriteAsync(context.Response, StatusCodes.Status404NotFound, ReasonFor(StatusCodes.Status404NotFound))
                    : LibraryError.WriteAsync(context.Response, StatusCodes.Status405MethodNotAllowed, $"{LibraryRef.Shorten(method)} is not served at this API path");
            }
            return next(context);
        });
        return app;
    }

    private static string ReasonFor(int status) => status switch
    {
        StatusCodes.Status405MethodNotAllowed => "method not allowed on this endpoint",
        StatusCodes.Status404NotFound => "no such API endpoint",
        StatusCodes.Status401Unauthorized => "a valid token is required",
        StatusCodes.Status413PayloadTooLarge => "request body too large",
        _ => "request failed",
    };
}
