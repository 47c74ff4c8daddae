using MudBlazor.Services;
using SRegistry.Web.Api.Library;
using SRegistry.Web.Api.Teams;
using SRegistry.Web.Auth;
using SRegistry.Web.Components.Shared;

namespace SRegistry.Web.Components;

public static class WebUiExtensions
{
    /// <summary>The dashboard: Blazor Server with MudBlazor, on the same Core services as the library API.</summary>
    public static WebApplicationBuilder AddRegistryWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<ScopedCoreServices>();
        builder.Services.AddScoped<ServerAddress>();
        builder.Services.AddScoped<RemoteCommands>();
        builder.Services.AddScoped<PageRendering>();
        return builder;
    }

    public static WebApplication MapRegistryWeb(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapSignIn();
        app.MapTeamAvatars();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Pages get the browser protections; API answers are JSON for CLIs and need none of them.</summary>
    private static void UseSecurityHeaders(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<SignInSettings>();
        // Sign-out posts a form that redirects to the provider's end-session page; form-action covers that redirect.
        var formTargets = settings.Oidc.IsConfigured && Uri.TryCreate(settings.Oidc.Authority, UriKind.Absolute, out var authority)
            ? $"'self' {authority.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
        var policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
                     $"font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action {formTargets}";
        app.Use((context, next) =>
        {
            if (!LibraryApiExtensions.IsApiPath(context.Request.Path))
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                // MudBlazor sets inline styles; scripts come only from this site (Blazor's websocket is 'self' too).
                headers.ContentSecurityPolicy = policy;
            }
            return next(context);
        });
    }
}
