using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Api;

/// <summary>The development sign-in is for <c>dotnet run</c>: on in Development without OIDC, never in Production unless switched on with the risk acknowledged.</summary>
public sealed class DevelopmentSignInTests
{
    private static async Task<(HttpStatusCode Status, bool UserCreated)> TrySignInAsync(RegistryServer server)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(server.BaseUrl + "/") };
        // The form's antiforgery token and cookie, as a browser would carry them.
        var form = await client.GetStringAsync("signin/dev");
        var token = System.Text.RegularExpressions.Regex.Match(form, "__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var post = await client.PostAsync("signin/dev", new FormUrlEncodedContent(
            [new("username", "devuser"), new("returnUrl", "/collections"), new("__RequestVerificationToken", token)]));
        var created = await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.AnyAsync(u => u.Username == "devuser"));
        return (post.StatusCode, created);
    }

    [Fact]
    public async Task A_disabled_users_browser_session_ends_at_its_next_request()
    {
        await using var server = new RegistryServer();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(server.BaseUrl + "/") };
        var form = await client.GetStringAsync("signin/dev");
        var token = System.Text.RegularExpressions.Regex.Match(form, "__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var post = await client.PostAsync("signin/dev", new FormUrlEncodedContent(
            [new("username", "devuser"), new("returnUrl", "/auth/tokens"), new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("auth/tokens")).StatusCode);

        await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.Where(u => u.Username == "devuser")
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true)));

        var after = await client.GetAsync("auth/tokens");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/signin", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_without_oidc_signs_in_and_sets_the_cookie()
    {
        await using var server = new RegistryServer();

        var (status, created) = await TrySignInAsync(server);

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.True(created);
    }

    [Fact]
    public async Task Production_without_oidc_has_no_development_sign_in()
    {
        await using var server = new RegistryServer { Environment = "Production" };

        var (status, created) = await TrySignInAsync(server);

        // No such endpoint: the POST lands on the not-found page, which refuses a form without its token.
        Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, status.ToString());
        Assert.False(created);
    }

    [Fact]
    public async Task Production_with_it_switched_on_and_the_risk_acknowledged_allows_it()
    {
        await using var server = new RegistryServer { Environment = "Production" }
            .With("Authentication:DevelopmentSignIn:Enabled", "true")
            .With("Authentication:DevelopmentSignIn:IUnderstandAnyoneCanSignIn", "true");

        var (status, created) = await TrySignInAsync(server);

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.True(created);
    }

    [Fact]
    public async Task Production_with_it_switched_on_but_not_acknowledged_does_not_start()
    {
        await using var server = new RegistryServer { Environment = "Production" }.With("Authentication:DevelopmentSignIn:Enabled", "true");

        var refused = Assert.ThrowsAny<Exception>(() => server.BaseUrl);

        Assert.Contains("IUnderstandAnyoneCanSignIn=true", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        await using var server = new RegistryServer();
        using var client = server.Client();

        using var post = await client.PostAsync("signin/dev", new FormUrlEncodedContent([new("username", "forged")]));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.False(await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Users.AnyAsync(u => u.Username == "forged")));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example")]
    public void Return_urls_never_leave_the_site(string returnUrl) =>
        Assert.Equal("/", SRegistry.Web.Auth.SignInEndpoints.LocalOnly(returnUrl));
}
