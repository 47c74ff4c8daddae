using SRegistry.Core.Accounts;

namespace SRegistry.Web.Auth;

public static partial class ListedAdminsStartup
{
    /// <summary>
    /// Applies <c>Registry:AdminUsers</c> as the server starts (not when a command such as <c>token create</c> runs, whose
    /// settings may differ): a name taken off the list stops being an admin now.
    /// </summary>
    public static async Task ReconcileListedAdminsAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var changed = await scope.ServiceProvider.GetRequiredService<ListedAdmins>().ReconcileAsync();
        if (changed > 0)
        {
            LogReconciled(app.Logger, changed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry:AdminUsers applied: {Changed} user(s) gained or lost admin through the list")]
    private static partial void LogReconciled(ILogger logger, int changed);
}
