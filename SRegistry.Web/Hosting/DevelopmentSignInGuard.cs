using SRegistry.Web.Auth;

namespace SRegistry.Web.Hosting;

/// <summary>
/// The development sign-in lets anyone in under any name. Outside Development it needs
/// <c>Authentication:DevelopmentSignIn:IUnderstandAnyoneCanSignIn=true</c> beside it, or the app does not start;
/// with it, every start says so in the log.
/// </summary>
public static partial class DevelopmentSignInGuard
{
    public static WebApplication GuardDevelopmentSignIn(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<SignInSettings>();
        if (app.Environment.IsDevelopment() || !settings.DevelopmentSignInActive(app.Environment))
        {
            return app;
        }
        if (!settings.DevelopmentSignIn.IUnderstandAnyoneCanSignIn)
        {
            throw new InvalidOperationException(
                $"Refusing to start: Authentication:DevelopmentSignIn:Enabled is on in the {app.Environment.EnvironmentName} environment, " +
                "which lets anyone sign in as anyone (including an administrator's name). Switch it off, or set " +
                "Authentication:DevelopmentSignIn:IUnderstandAnyoneCanSignIn=true as well if this is really meant.");
        }
        LogUnsafe(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SRegistry.Startup"), app.Environment.EnvironmentName);
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The development sign-in is ON in the {Environment} environment: anyone can sign in as anyone. " +
                  "(Authentication:DevelopmentSignIn:IUnderstandAnyoneCanSignIn=true)")]
    private static partial void LogUnsafe(ILogger logger, string environment);
}
