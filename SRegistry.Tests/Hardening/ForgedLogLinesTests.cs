using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Hosting;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// Outside text cannot forge log lines: the real process's log, captured, shows a request path whose decoded
/// <c>%0A</c>, <c>%0D</c>, ESC, NEL or line separator would have started a new line as one escaped line instead.
/// </summary>
public sealed class ForgedLogLinesTests
{
    private const string Forged = "info: SRegistry.Requests[0] FORGED admin signed in";

    private static readonly string[] Breakers = ["%0A", "%0D%0A", "%1B[2K%0D", "%C2%85", "%E2%80%A8"];

    [Fact]
    public async Task A_control_character_in_a_request_path_stays_on_the_requests_own_log_line()
    {
        // One process for every breaker: each request carries its own marker, so each line is checked on its own.
        await using var registry = new RegistryProcess();
        await registry.StartAsync();
        using var http = new HttpClient();
        var statuses = new List<int>();
        foreach (var (breaker, index) in Breakers.Select((b, i) => (b, i)))
        {
            // The name is refused (400); what matters here is how the request is logged.
            using var response = await http.GetAsync($"{registry.BaseUrl}/v1/images/someone/x{index}{breaker}{Uri.EscapeDataString(Forged)}");
            statuses.Add((int)response.StatusCode);
        }
        await registry.StopAsync();

        var lines = registry.Output.ToList();
        foreach (var (breaker, index) in Breakers.Select((b, i) => (b, i)))
        {
            var carrying = Assert.Single(lines, l => l.Contains($"/x{index}", StringComparison.Ordinal) && l.Contains("FORGED", StringComparison.Ordinal));
            Assert.Contains($"/v1/images/someone/x{index}{breaker}{Forged}", carrying, StringComparison.Ordinal);
            Assert.Contains($"→ {statuses[index]}", carrying, StringComparison.Ordinal);
        }
        Assert.Equal(Breakers.Length, lines.Count(l => l.Contains("FORGED", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains('\r') || l.Contains('\u001b') || l.Contains('\u0085') || l.Contains('\u2028'));
    }

    [Theory]
    [InlineData("alice\nFORGED", "alice%0AFORGED")]
    [InlineData("bad\r\nline", "bad%0D%0Aline")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("nel\u0085sep\u2028para\u2029end", "nel%C2%85sep%E2%80%A8para%E2%80%A9end")]
    [InlineData("del\u007f", "del%7F")]
    [InlineData("plain ünïcödé name", "plain ünïcödé name")]
    public void Usernames_and_provider_texts_are_escaped_the_same_way(string text, string logged) =>
        Assert.Equal(logged, LogText.Escape(text));
}
