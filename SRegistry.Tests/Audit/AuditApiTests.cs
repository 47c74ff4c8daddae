using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Tests.Infrastructure;
using SRegistry.Web.Cli;

namespace SRegistry.Tests.Audit;

/// <summary>Pushes over the library API leave one event each; the JSON-lines export is for admins only, over HTTP and on the command line.</summary>
public sealed class AuditApiTests : IClassFixture<SmallPartServer>, IDisposable
{
    private readonly SmallPartServer server;
    private readonly SifFiles sifs = new();

    public AuditApiTests(SmallPartServer server)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.server = server;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_push_leaves_one_push_event_and_one_tag_event(bool multipart)
    {
        var user = multipart ? "pia" : "sam";
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync(user)));
        await library.EnsureContainerAsync(user, $"{user}-tools", "alpine");
        var sif = await sifs.CreateAsync(multipart ? 7 * 1024 * 1024 : 200_000);
        var before = await LastEventIdAsync();

        await library.PushAsync($"{user}/{user}-tools/alpine", sif, multipart: multipart, tags: "3.19");

        var written = await EventsAfterAsync(before);
        Assert.Equal([AuditActions.ImagePush, AuditActions.TagSet], written.Select(e => e.Action));
        Assert.All(written, e => Assert.Equal(user, e.Username));
        Assert.All(written, e => Assert.Equal("127.0.0.1", e.RemoteAddress));
        Assert.Equal($"{user}-tools/alpine@{sif.Hash}", written[0].Target);
        Assert.Contains("uploaded", written[0].Details, StringComparison.Ordinal);
        Assert.Equal($"{user}-tools/alpine:3.19", written[1].Target);
    }

    [Fact]
    public async Task A_push_of_bytes_the_registry_holds_is_recorded_once_as_linked()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("lin")));
        var sif = await sifs.CreateAsync(100_000);
        await library.PushAsync("lin/lin-a/tool", sif);
        await library.EnsureContainerAsync("lin", "lin-b", "tool");
        var before = await LastEventIdAsync();

        await library.PushAsync("lin/lin-b/tool", sif);

        var push = Assert.Single(await EventsAfterAsync(before), e => e.Action == AuditActions.ImagePush);
        Assert.Equal($"lin-b/tool@{sif.Hash}", push.Target);
        Assert.Contains("linked", push.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_refused_at_completion_leaves_no_event()
    {
        var library = new LibraryProtocol(server.Client(await server.CreateTokenAsync("rex")));
        var container = await library.EnsureContainerAsync("rex", "rex-tools", "bad");
        var notSif = await sifs.CreateNotSifAsync(50_000);
        var (imageId, _) = await library.EnsureImageAsync("rex/rex-tools/bad", container, notSif.Hash);
        var before = await LastEventIdAsync();

        var size = new FileInfo(notSif.Path).Length;
        var start = await LibraryProtocol.DataAsync(await library.Http.PostAsync($"v2/imagefile/{imageId}",
            LibraryProtocol.Json(new { filesize = size, sha256sum = notSif.Hash[7..], md5sum = "" })));
        using (var anonymous = new HttpClient())
        await using (var file = File.OpenRead(notSif.Path))
        {
            await anonymous.PutAsync((string)start["uploadURL"]!, new StreamContent(file));
        }
        var complete = await library.Http.PutAsync($"v2/imagefile/{imageId}/_complete", LibraryProtocol.Json(new { }));

        Assert.False(complete.IsSuccessStatusCode);
        Assert.Empty(await EventsAfterAsync(before));
        Assert.False(await server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().Images.AnyAsync(i => i.Id == imageId && i.IsUploaded)));
    }

    [Fact]
    public async Task Admins_export_valid_json_lines_filtered_like_the_admin_area()
    {
        var admin = server.Client(await server.CreateTokenAsync("ada", admin: true));
        await server.CreateTokenAsync("tom");
        await server.CreateTokenAsync("tom");

        var response = await admin.GetAsync("admin/audit/export?user=tom&action=token.create");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var lines = ParseLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l =>
        {
            Assert.Equal("tom", l.GetProperty("user").GetString());
            Assert.Equal("token.create", l.GetProperty("action").GetString());
            Assert.Equal("tom", l.GetProperty("target").GetString());
            Assert.True(l.GetProperty("at").TryGetDateTimeOffset(out _));
        });
        Assert.True(lines[0].GetProperty("id").GetInt64() < lines[1].GetProperty("id").GetInt64(), "oldest first");
    }

    [Fact]
    public async Task The_export_does_not_exist_for_anyone_but_admins()
    {
        var user = server.Client(await server.CreateTokenAsync("eve"));

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("admin/audit/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("admin/audit/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client("sreg_not-a-token").GetAsync("admin/audit/export")).StatusCode);
    }

    [Theory]
    [InlineData("action=image.explode", "unknown action 'image.explode'")]
    [InlineData("from=yesterday", "ISO 8601")]
    [InlineData("from=2026-12-02&to=2026-12-01T00:00Z", "ends before it starts")]
    public async Task Bad_filters_get_a_clear_error(string query, string message)
    {
        var admin = server.Client(await server.CreateTokenAsync("ada", admin: true));

        var response = await admin.GetAsync("admin/audit/export?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_line_exports_the_same_json_lines()
    {
        await server.CreateTokenAsync("cli-user");
        using var output = new MemoryStream();
        using var error = new StringWriter();

        var code = await AuditCommand.RunAsync(server.Services, ["audit", "export", "--user", "cli-user", "--action", "token.create", "--to", "2999-01-01"], output, error);

        Assert.Equal(0, code);
        var line = Assert.Single(ParseLines(System.Text.Encoding.UTF8.GetString(output.ToArray())));
        Assert.Equal("cli-user", line.GetProperty("target").GetString());
        Assert.Contains("1 event(s)", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await AuditCommand.RunAsync(server.Services, ["audit", "export", "--action", "nope"], new MemoryStream(), new StringWriter()));
        Assert.Equal(2, await AuditCommand.RunAsync(server.Services, ["audit", "export", "--user"], new MemoryStream(), new StringWriter()));
    }

    private static List<JsonElement> ParseLines(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }

    private Task<long> LastEventIdAsync() =>
        server.InScopeAsync(async sp => await sp.GetRequiredService<RegistryDbContext>().AuditEvents.MaxAsync(e => (long?)e.Id) ?? 0);

    private Task<List<AuditEvent>> EventsAfterAsync(long id) =>
        server.InScopeAsync(sp => sp.GetRequiredService<RegistryDbContext>().AuditEvents.AsNoTracking().Where(e => e.Id > id).OrderBy(e => e.Id).ToListAsync());

    public void Dispose() => sifs.Dispose();
}
