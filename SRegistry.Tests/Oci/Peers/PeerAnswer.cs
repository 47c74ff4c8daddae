using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SRegistry.Tests.Oci.Peers;

/// <summary>
/// What a registry answered to one step, reduced to what clients rely on: status, the spec's error code, the headers
/// below (Location and Link as a path with the repository and upload id named, not spelled), the tags of a tag list
/// and the digest of a successful body. Two registries agree on a step when these agree aspect by aspect.
/// </summary>
public sealed partial record PeerAnswer(int Status, IReadOnlyDictionary<string, string?> Aspects, string Shown)
{
    public static readonly string[] ComparedHeaders =
        ["Docker-Content-Digest", "Location", "Range", "Content-Range", "Content-Type", "OCI-Subject", "Content-Length", "Link"];

    /// <summary>The tags of a tag-list answer in the order sent, or null when it is not one.</summary>
    public string[]? Tags => Aspects["tags"] is { } tags ? tags.Length == 0 ? [] : tags.Split(',') : null;

    public static async Task<PeerAnswer> ReadAsync(HttpResponseMessage response, PeerSequence sequence)
    {
        var body = await BodyAsync(response);
        var status = (int)response.StatusCode;
        var aspects = new Dictionary<string, string?>(StringComparer.Ordinal) { ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var header in ComparedHeaders)
        {
            aspects[header] = Normalize(header, Header(response, header), sequence, status);
        }
        var json = TryJson(body);
        aspects["error"] = status >= 400 ? (string?)json?["errors"]?[0]?["code"] : null;
        aspects["tags"] = json?["tags"] is JsonArray tags ? string.Join(',', tags.Select(t => (string?)t)) : json is not null && json["name"] is not null ? "" : null;
        aspects["body"] = status is >= 200 and < 300 && body.Length > 0 && aspects["tags"] is null ? PeerBlobs.Digest(body) : null;
        var shown = new StringBuilder().Append(status);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            shown.Append(" | ").Append(name).Append(": ").Append(string.Join(", ", values));
        }
        shown.Append(" | body: ").Append(Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300))).ReplaceLineEndings(" "));
        return new PeerAnswer(status, aspects, shown.ToString());
    }

    /// <summary>
    /// The body, or what came of it: distribution 2.8 answers a malformed Range with 416 and a Content-Length of the
    /// whole blob but no body, so that read ends early.
    /// </summary>
    private static async Task<byte[]> BodyAsync(HttpResponseMessage response)
    {
        using var buffer = new MemoryStream();
        try
        {
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(buffer);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && (int)response.StatusCode >= 400)
        {
            // Only an error answer's body may be cut short; its status and headers are what is compared.
        }
        return buffer.ToArray();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    private static string? Normalize(string header, string? value, PeerSequence sequence, int status)
    {
        if (value is null)
        {
            return null;
        }
        return header switch
        {
            // Absolute or relative, with or without the registry's own state in the query: the path is what matters.
            "Location" => Named(PathOf(value), sequence),
            // The next page's path and its n and last, in either order.
            "Link" => LinkTarget().Match(value) is { Success: true } link
                ? Named(PathOf(link.Groups[1].Value), sequence) + " " + string.Join('&', QueryOf(link.Groups[1].Value).Order(StringComparer.Ordinal)) + " " + link.Groups[2].Value
                : value,
            "Content-Type" => MediaTypeHeaderValue.TryParse(value, out var type) ? type.MediaType : value,
            // An error's length is its message's, which registries word as they like.
            "Content-Length" => status >= 400 ? null : value,
            _ => value,
        };
    }

    private static string PathOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : url.Split('?')[0];

    private static string[] QueryOf(string url) => url.Contains('?', StringComparison.Ordinal) ? url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&') : [];

    private static string Named(string path, PeerSequence sequence) => UploadId().Replace(
        path.Replace(sequence.Other, "<other>", StringComparison.Ordinal).Replace(sequence.Repository, "<name>", StringComparison.Ordinal),
        "/blobs/uploads/<id>");

    private static JsonNode? TryJson(byte[] body)
    {
        try
        {
            return body.Length > 0 && body[0] == (byte)'{' ? JsonNode.Parse(body) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("/blobs/uploads/[^/]+$")]
    private static partial Regex UploadId();

    [GeneratedRegex("<([^>]+)>\\s*;\\s*rel=\"?([a-z]+)\"?")]
    private static partial Regex LinkTarget();
}
