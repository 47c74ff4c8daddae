using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace SRegistry.Web.Auth;

public static class RegistryAuthExtensions
{
    /// <summary>
    /// Picks the way in per request: a bearer token when the client sends one or the path is the API
    /// (<see cref="ApiPaths"/>: no token there means anonymous), otherwise the browser's cookie.
    /// </summary>
    public const string SmartScheme = "Registry";

    public static WebApplicationBuilder AddRegistryAuth(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(SignInSettings.Section).Get<SignInSettings>() ?? new SignInSettings();
        builder.Services.AddSingleton(settings);
        var auth = builder.Services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, SmartScheme, o => o.ForwardDefaultSelector = context =>
                BearerTokenHandler.TokenFrom(context.Request.Headers.Authorization.ToString()) is not null || ApiPaths.IsApi(context.Request.Path)
                    ? BearerTokenHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = "sregistry";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/signin";
                o.AccessDeniedPath = "/signin/failed";
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.Events.OnValidatePrincipal = SessionAccountCheck.ValidateAsync;
            });
        if (settings.Oidc.IsConfigured)
        {
            builder.Services.AddScoped<OidcAccountEvents>();
            auth.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, settings.Oidc.DisplayName, o =>
            {
                o.Authority = settings.Oidc.Authority;
                o.ClientId = settings.Oidc.ClientId;
                o.ClientSecret = settings.Oidc.ClientSecret;
                o.RequireHttpsMetadata = settings.Oidc.RequireHttpsMetadata;
                o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.SaveTokens = true; // keeps the id_token for the provider's sign-out
                o.Scope.Clear();
                foreach (var scope in settings.Oidc.EffectiveScopes)
                {
                    o.Scope.Add(scope);
                }
                o.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
                // Only a verified e-mail may claim a signing key (Keyserver); userinfo's claim is not mapped by default.
                o.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
                o.ClaimActions.MapJsonKey("groups", "groups");
                o.EventsType = typeof(OidcAccountEvents);
            });
        }
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }
}
