using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace SRegistry.Web.Api.Library;

/// <summary>A library request body type; it says how large its JSON may be.</summary>
public interface IJsonRequest
{
    /// <summary>Bodies are small; anything over this is refused.</summary>
    const int DefaultMaxBytes = 64 * 1024;

    static virtual int MaxBytes(HttpContext context) => DefaultMaxBytes;
}

/// <summary>
/// A JSON request body bound as an endpoint parameter, read once with a JSON Content-Type or none at all: the Go client
/// sends none, which the framework's body binding would refuse with 415 (docs/protocol/library.md#bodies). Any
/// other type is refused with 415, so a browser form or a text/plain post (the kinds a page on another site can send
/// without asking) never reaches an endpoint. A refused body is answered by <see cref="ApiGroups"/> before the handler runs.
/// </summary>
public sealed class JsonBody<T> : IRequestBody where T : class, IJsonRequest
{
    private readonly T? value;

    private JsonBody(T? value, LibraryError? error)
    {
        this.value = value;
        Error = error;
    }

    /// <summary>The body; only read by handlers, which run when it was accepted.</summary>
    public T Value => value ?? throw new InvalidOperationException($"the body was refused: {Error?.Message}");

    public LibraryError? Error { get; }

    public static async ValueTask<JsonBody<T>> BindAsync(HttpContext context)
    {
        var request = context.Request;
        var maxBytes = T.MaxBytes(context);
        if (!IsJsonOrAbsent(request.ContentType))
        {
            return Refused(new LibraryError(StatusCodes.Status415UnsupportedMediaType,
                "the request body must be JSON: send Content-Type application/json (or none)"));
        }
        if (request.ContentLength > maxBytes)
        {
            return Refused(new LibraryError(StatusCodes.Status413PayloadTooLarge, $"request body over {maxBytes} bytes"));
        }
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
        }
        if (length > maxBytes)
        {
            return Refused(new LibraryError(StatusCodes.Status413PayloadTooLarge, $"request body over {maxBytes} bytes"));
        }
        if (length == 0)
        {
            return Refused(LibraryError.BadRequest("a JSON request body is required"));
        }
        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), LibraryJson.Options);
            return body is null ? Refused(LibraryError.BadRequest("a JSON object is required")) : new JsonBody<T>(body, null);
        }
        catch (JsonException e)
        {
            return Refused(LibraryError.BadRequest($"malformed JSON body: {Describe(e)}"));
        }
    }

    /// <summary>No Content-Type (the Go client), <c>application/json</c> or a <c>+json</c> type, parameters allowed.</summary>
    private static bool IsJsonOrAbsent(string? contentType)
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

    private static JsonBody<T> Refused(LibraryError error) => new(null, error);

    private static string Describe(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"unexpected value at {path}" : "not valid JSON";
}
