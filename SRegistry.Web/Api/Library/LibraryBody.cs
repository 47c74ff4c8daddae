using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace SRegistry.Web.Api.Library;

/// <summary>
/// Reads JSON request bodies sent with a JSON Content-Type or none at all: the Go client sends none, which the
/// framework's body binding would refuse with 415 (spec 2.3). Any other type is refused with 415, so a browser form
/// or a text/plain post (the kinds a page on another site can send without asking) never reaches an endpoint.
/// Bodies are small; anything over the limit is refused.
/// </summary>
public static class LibraryBody
{
    public const int MaxJsonBytes = 64 * 1024;

    public static Task<(T? Body, LibraryError? Error)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class =>
        ReadAsync<T>(request, MaxJsonBytes, ct);

    /// <summary>Reads a body that may be larger than <see cref="MaxJsonBytes"/> (a multipart completion lists every part).</summary>
    public static async Task<(T? Body, LibraryError? Error)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken ct) where T : class
    {
        if (!IsJsonOrAbsent(request.ContentType))
        {
            return (null, new LibraryError(StatusCodes.Status415UnsupportedMediaType,
                "the request body must be JSON: send Content-Type application/json (or none)"));
        }
        if (request.ContentLength > maxBytes)
        {
            return (null, new LibraryError(StatusCodes.Status413PayloadTooLarge, $"request body over {maxBytes} bytes"));
        }
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }
        if (length > maxBytes)
        {
            return (null, new LibraryError(StatusCodes.Status413PayloadTooLarge, $"request body over {maxBytes} bytes"));
        }
        if (length == 0)
        {
            return (null, LibraryError.BadRequest("a JSON request body is required"));
        }
        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), LibraryJson.Options);
            return body is null ? (null, LibraryError.BadRequest("a JSON object is required")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, LibraryError.BadRequest($"malformed JSON body: {Describe(e)}"));
        }
    }

    /// <summary>No Content-Type (the Go client), <c>application/json</c> or a <c>+json</c> type, parameters allowed.</summary>
    public static bool IsJsonOrAbsent(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } type)
        {
            return false;
        }
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static string Describe(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"unexpected value at {path}" : "not valid JSON";
}
