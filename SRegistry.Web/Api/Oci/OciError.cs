using System.Text.Json.Serialization;

namespace SRegistry.Web.Api.Oci;

/// <summary>
/// An OCI distribution error answer: <c>{"errors":[{"code","message","detail"}]}</c> with one of the spec's codes
/// (docs/protocol/oci.md#errors). The only error shape the <c>/v2/&lt;name&gt;/…</c> endpoints send.
/// </summary>
public sealed class OciError(int statusCode, string code, string message) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => statusCode;

    public string Code => code;

    public string Message => message;

    /// <summary>Headers to send with the error (the challenge of a 401, <c>Range</c> of a refused chunk).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public OciError With(string header, string value)
    {
        Headers[header] = value;
        return this;
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }
        if (HttpMethods.IsHead(httpContext.Request.Method))
        {
            return Task.CompletedTask;
        }
        return response.WriteAsJsonAsync(new Body([new Entry(code, message)]));
    }

    public static OciError BlobUnknown(string message = "blob unknown to registry") => new(404, "BLOB_UNKNOWN", message);
    public static OciError BlobUploadInvalid(string message) => new(400, "BLOB_UPLOAD_INVALID", message);
    public static OciError BlobUploadUnknown() => new(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
    public static OciError DigestInvalid(string message) => new(400, "DIGEST_INVALID", message);
    public static OciError ManifestBlobUnknown(string message) => new(400, "MANIFEST_BLOB_UNKNOWN", message);
    public static OciError ManifestInvalid(string message) => new(400, "MANIFEST_INVALID", message);
    public static OciError ManifestUnknown(string message = "manifest unknown") => new(404, "MANIFEST_UNKNOWN", message);
    public static OciError NameInvalid(string message) => new(400, "NAME_INVALID", message);
    public static OciError NameUnknown(string message = "repository name not known to registry") => new(404, "NAME_UNKNOWN", message);
    public static OciError SizeInvalid(string message) => new(400, "SIZE_INVALID", message);
    public static OciError Unauthorized(string message = "authentication required") => new(401, "UNAUTHORIZED", message);
    public static OciError Denied(string message) => new(403, "DENIED", message);
    public static OciError Unsupported(string message) => new(405, "UNSUPPORTED", message);
    public static OciError RangeInvalid(string message) => new(416, "RANGE_INVALID", message);
    public static OciError QuotaExceeded(string message) => new(403, "DENIED", message);

    private sealed record Body([property: JsonPropertyName("errors")] Entry[] Errors);

    private sealed record Entry([property: JsonPropertyName("code")] string Code, [property: JsonPropertyName("message")] string Message);
}
