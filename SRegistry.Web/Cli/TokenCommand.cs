using SRegistry.Core.Accounts;

namespace SRegistry.Web.Cli;

/// <summary>
/// <c>token create --user NAME [--admin] [--name LABEL]</c>: makes a user (if needed) and a token without a browser,
/// for bootstrapping and scripts. The token is the last line of the output.
/// </summary>
public static class TokenCommand
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "token";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["token", "create", ..])
        {
            await Console.Error.WriteLineAsync("usage: token create --user NAME [--admin] [--name LABEL]");
            return 2;
        }
        var user = ValueOf(args, "--user");
        if (string.IsNullOrEmpty(user))
        {
            await Console.Error.WriteLineAsync("token create: --user NAME is required");
            return 2;
        }
        using var scope = services.CreateScope();
        var directory = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        var tokens = scope.ServiceProvider.GetRequiredService<TokenService>();
        try
        {
            var account = await directory.EnsureLocalUserAsync(user, args.Contains("--admin"));
            var issued = await tokens.IssueAsync(account.Id, ValueOf(args, "--name") ?? "command line", null);
            Console.WriteLine($"Token for {account.Username}{(account.IsAdmin ? " (admin)" : "")}:");
            Console.WriteLine(issued.Secret);
            return 0;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("token create: " + e.Message);
            return 2;
        }
    }

    private static string? ValueOf(string[] args, string flag)
    {
        var at = Array.IndexOf(args, flag);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
