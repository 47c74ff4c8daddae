using SRegistry.Core.Oci;

namespace SRegistry.Web.Api.Oci;

/// <summary>The one mapping of Core's OCI refusals to the spec's statuses and error codes (docs/protocol/oci.md#errors).</summary>
public static class OciResults
{
    public static OciError ToError(OciRefusal refusal) => refusal.Code switch
    {
        OciCode.Unauthorized => OciError.Unauthorized(refusal.Message),
        OciCode.Denied => OciError.Denied(refusal.Message),
        OciCode.NameInvalid => OciError.NameInvalid(refusal.Message),
        OciCode.NameUnknown => OciError.NameUnknown(refusal.Message),
        OciCode.BlobUnknown => OciError.BlobUnknown(refusal.Message),
        OciCode.BlobUploadInvalid => OciError.BlobUploadInvalid(refusal.Message),
        OciCode.BlobUploadUnknown => OciError.BlobUploadUnknown(),
        OciCode.DigestInvalid => OciError.DigestInvalid(refusal.Message),
        OciCode.SizeInvalid => OciError.SizeInvalid(refusal.Message),
        OciCode.ManifestInvalid => OciError.ManifestInvalid(refusal.Message),
        OciCode.ManifestUnknown => OciError.ManifestUnknown(refusal.Message),
        OciCode.ManifestBlobUnknown => OciError.ManifestBlobUnknown(refusal.Message),
        OciCode.TagInvalid => new OciError(StatusCodes.Status400BadRequest, "TAG_INVALID", refusal.Message),
        OciCode.Unsupported => OciError.Unsupported(refusal.Message),
        OciCode.RangeInvalid => OciError.RangeInvalid(refusal.Message),
        OciCode.QuotaExceeded => OciError.QuotaExceeded(refusal.Message),
        OciCode.StorageFull => new OciError(StatusCodes.Status507InsufficientStorage, "DENIED", refusal.Message),
        _ => new OciError(StatusCodes.Status500InternalServerError, "UNKNOWN", refusal.Message),
    };

    /// <summary>A manifest or index as the clients need it: its exact media type, digest and length.</summary>
    public static IResult Document(HttpContext context, OciDocument document)
    {
        var headers = context.Response.Headers;
        headers["Docker-Content-Digest"] = document.Digest;
        headers.ETag = $"\"{document.Digest}\"";
        context.Response.ContentLength = document.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Results.Content(null, document.MediaType)
            : Results.Bytes(document.Content, document.MediaType);
    }

    /// <summary>The media types an <c>Accept</c> header lists, without parameters.</summary>
    public static IReadOnlyCollection<string> AcceptedTypes(HttpRequest request) =>
        request.Headers.Accept.SelectMany(value => (value ?? "").Split(','))
            .Select(type => type.Split(';')[0].Trim()).Where(type => type.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
