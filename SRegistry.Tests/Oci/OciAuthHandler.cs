using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SRegistry.Tests.Oci;

/// <summary>
/// Logs in as OCI clients do: a request goes out without credentials; on a 401 the challenge is answered (Bearer:
/// the credentials are traded at the realm for a registry token; Basic: sent as they are) and the request is sent
/// again with that header, which is kept for later requests. Never follows redirects, so tests see every answer.
/// Request bodies must be re-sendable (byte arrays).
/// </summary>
public sealed class OciAuthHandler(string? user, string? secret) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false })
{
    private AuthenticationHeaderValue? authorization;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization ??= authorization;
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || user is null || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }
        authorization = await AnswerAsync(response.Headers.WwwAuthenticate.First(), cancellationToken);
        using var again = new HttpRequestMessage(request.Method, request.RequestUri) { Content = request.Content };
        foreach (var (name, values) in request.Headers)
        {
            again.Headers.TryAddWithoutValidation(name, values);
        }
        again.Headers.Authorization = authorization;
        response.Dispose();
        return await base.SendAsync(again, cancellationToken);
    }

    private async Task<AuthenticationHeaderValue> AnswerAsync(AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + secret)));
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return basic;
        }
        var parameters = Parameters(challenge.Parameter ?? "");
        var query = string.Join('&', new[] { "service", "scope" }.Where(parameters.ContainsKey)
            .Select(key => key + "=" + Uri.EscapeDataString(parameters[key])));
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, parameters["realm"] + (query.Length > 0 ? "?" + query : ""));
        tokenRequest.Headers.Authorization = basic;
        using var answer = await base.SendAsync(tokenRequest, cancellationToken);
        answer.EnsureSuccessStatusCode();
        var json = JsonNode.Parse(await answer.Content.ReadAsStringAsync(cancellationToken))!;
        return new AuthenticationHeaderValue("Bearer", (string?)json["token"] ?? (string)json["access_token"]!);
    }

    /// <summary><c>realm="…",service="…",scope="…"</c> as a dictionary (values hold no quotes or commas outside scopes' lists).</summary>
    private static Dictionary<string, string> Parameters(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var at = 0;
        while (at < header.Length)
        {
            var equals = header.IndexOf('=', at);
            if (equals < 0)
            {
                break;
            }
            var key = header[at..equals].Trim(' ', ',');
            var quoted = equals + 1 < header.Length && header[equals + 1] == '"';
            var end = quoted ? header.IndexOf('"', equals + 2) : header.IndexOf(',', equals + 1);
            end = end < 0 ? header.Length : end;
            result[key] = header[(equals + (quoted ? 2 : 1))..end];
            at = end + 1;
        }
        return result;
    }
}
