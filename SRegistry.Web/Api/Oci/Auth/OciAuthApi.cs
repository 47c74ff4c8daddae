using System.Globalization;
using System.Text.Json.Serialization;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Oci;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Oci.Auth;

/// <summary>
/// <c>GET /v2/token</c>, the token service of the registry token-auth scheme (docs/protocol/oci.md#auth): Basic
/// <c>username:apitoken</c>, a bearer API token, or nobody, in exchange for a 5-minute registry token holding the
/// requested actions the access policy allows. What may not be granted is left out, never refused.
/// </summary>
public static class OciAuthApi
{
    /// <summary>More scopes than any client asks for at once (docker and containers/image send one to three).</summary>
    private const int MaxScopes = 32;

    /// <summary>Marks a request whose bad credentials came from a braked address, so it is answered 429.</summary>
    private static readonly object BrakedKey = new();

    public static IServiceCollection AddOciAuth(this IServiceCollection services) => services.AddSingleton<RegistryTokens>();

    public static IEndpointRouteBuilder MapOciAuth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/token", IssueToken);
        return app;
    }

    public static async Task<IResult> IssueToken(HttpContext context, RepositoryGrants grants, RegistryTokens tokens, CancellationToken ct)
    {
        var who = await CallerAsync(context);
        if (who is null)
        {
            return Refusal(context);
        }
        var scopes = await GrantAsync(grants, who, context.Request.Query["scope"], ct);
        var issued = tokens.Issue(who.UserId, scopes, RegistryTokens.DefaultLifetime);
        return TypedResults.Json(TokenWire.From(issued));
    }

    /// <summary>The granted <c>"repository:action"</c> entries for the requested scopes (repeated, or space-separated in one).</summary>
    public static async Task<List<string>> GrantAsync(RepositoryGrants grants, Principal who, IEnumerable<string?> scopeParameters, CancellationToken ct)
    {
        var requested = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var scope in scopeParameters.SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).Take(MaxScopes))
        {
            if (ParseScope(scope) is { } parsed)
            {
                requested.TryAdd(parsed.Repository, new HashSet<string>(StringComparer.Ordinal));
                requested[parsed.Repository].UnionWith(parsed.Actions);
            }
        }
        var granted = new List<string>();
        foreach (var (repository, actions) in requested)
        {
            var allowed = await grants.ActionsAsync(who, repository, ct);
            granted.AddRange(OciActions.All.Where(a => actions.Contains(a) && allowed.Contains(a)).Select(a => repository + ":" + a));
        }
        return granted;
    }

    /// <summary><c>repository:&lt;name&gt;:&lt;actions&gt;</c>, with <c>*</c> for every action; null for any other form.</summary>
    public static (string Repository, IReadOnlyList<string> Actions)? ParseScope(string scope)
    {
        var parts = scope.Split(':');
        if (parts.Length != 3 || parts[0] != "repository" || OciNames.ParseRepository(parts[1]) is null)
        {
            return null;
        }
        var actions = parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(a => a == "*" ? OciActions.All : [a]).Where(OciActions.IsKnown).ToList();
        return (parts[1], actions);
    }

    /// <summary>The principal the credentials name: anonymous without any, null when they are bad.</summary>
    private static async Task<Principal?> CallerAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (BasicLogin.IsPresented(context))
        {
            var login = await BasicLogin.CheckAsync(context);
            if (!login.Succeeded)
            {
                if (login.BrakedFor is { } wait)
                {
                    context.Items[BrakedKey] = wait;
                }
                return null;
            }
            var principal = await services.GetRequiredService<UserAccounts>().PrincipalForAsync(login.User!.Id, context.RequestAborted);
            return principal.IsAuthenticated ? principal : null;
        }
        var bearer = BearerTokenHandler.TokenFrom(context.Request.Headers.Authorization.ToString());
        if (RegistryTokens.LooksLikeRegistryToken(bearer))
        {
            // A registry token buys no other: what it lacks is asked for with the credentials that got it.
            return null;
        }
        var caller = await Caller.BindAsync(context);
        return caller!.PresentedBadToken ? null : caller.Principal;
    }

    private static OciError Refusal(HttpContext context)
    {
        if (context.Items.TryGetValue(BrakedKey, out var marked) && marked is TimeSpan wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            return new OciError(StatusCodes.Status429TooManyRequests, "TOOMANYREQUESTS",
                $"too many failed token checks from your address; try again in {seconds} s").With("Retry-After", seconds.ToString(CultureInfo.InvariantCulture));
        }
        return OciError.Unauthorized("invalid username or token: log in with your username and an API token from the Token page");
    }

    public sealed record TokenWire(
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("issued_at")] string IssuedAt)
    {
        public static TokenWire From(IssuedRegistryToken issued) =>
            new(issued.Token, issued.Token, issued.ExpiresIn, issued.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}
