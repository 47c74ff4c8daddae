using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;

namespace SRegistry.Web.Api.Library;

/// <summary>Serializer settings for the library protocol: exact key names come from attributes, reading is case-insensitive.</summary>
public static class LibraryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
    };
}

/// <summary><c>{"data": …}</c>: every successful library response (docs/protocol/library.md#envelope).</summary>
public sealed class Envelope<T>(T data, int statusCode = StatusCodes.Status200OK) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public T Data { get; } = data;

    public int? StatusCode => statusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        return httpContext.Response.WriteAsJsonAsync(new DataBody<T>(Data), LibraryJson.Options);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(DataBody<T>), ["application/json"]));

    internal sealed record DataBody<TData>([property: JsonPropertyName("data")] TData Data);
}

/// <summary><c>{"error":{"code":N,"message":"…"}}</c> with <c>code</c> equal to the HTTP status (docs/protocol/library.md#envelope). The only error shape the API sends.</summary>
public sealed class LibraryError(int statusCode, string message) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => statusCode;

    public string Message => message;

    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext.Response, statusCode, message);

    public static Task WriteAsync(HttpResponse response, int statusCode, string message)
    {
        response.StatusCode = statusCode;
        return response.WriteAsJsonAsync(new ErrorBody(new ErrorDetail(statusCode, message)), LibraryJson.Options);
    }

    public static LibraryError NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static LibraryError BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    private sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);

    private sealed record ErrorDetail([property: JsonPropertyName("code")] int Code, [property: JsonPropertyName("message")] string Message);
}
