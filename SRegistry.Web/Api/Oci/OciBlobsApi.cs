using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SRegistry.Core.Configuration;
using SRegistry.Core.Oci;
using SRegistry.Core.Storage;
using SRegistry.Web.Api.Blobs;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>Blob reads (whole or ranged) and the refused blob delete (docs/protocol/oci.md#blobs).</summary>
public static class OciBlobsApi
{
    public static void MapOciBlobs(this RouteGroupBuilder repository)
    {
        repository.MapMethods("/blobs/{digest}", [HttpMethods.Get, HttpMethods.Head], GetBlob);
        repository.MapDelete("/blobs/{digest}", () => OciError.Unsupported("blobs are removed with the manifests and images that use them"));
    }

    /// <summary>
    /// The bytes with ranges (206 and <c>Content-Range</c>), as the library's downloads are sent; with S3 a 307 to a
    /// presigned URL, which the clients follow.
    /// </summary>
    public static async Task<IResult> GetBlob(string entity, string collection, string container, string digest, HttpContext context,
        OciCaller caller, OciGate gate, RepositoryBlobs blobs, IBlobStore store)
    {
        var (repository, refusal) = await gate.ForReadAsync(context, caller, OciGate.NameOf(entity, collection, container));
        if (repository is null)
        {
            return refusal!;
        }
        if (OciNames.HexOf(digest) is not { } hex)
        {
            return OciError.DigestInvalid("a digest is sha256:<64 lower-case hex digits>");
        }
        var blob = await blobs.FindAsync(repository, hex, context.RequestAborted);
        if (blob is null)
        {
            return OciError.BlobUnknown();
        }
        context.Response.Headers["Docker-Content-Digest"] = blob.Digest;
        var etag = new EntityTagHeaderValue($"\"{blob.Digest}\"");
        if (HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = blob.Size;
            context.Response.Headers.AcceptRanges = "bytes";
            context.Response.Headers.ETag = etag.ToString();
            return TypedResults.Empty;
        }
        if (blob.Content is { } content)
        {
            return TypedResults.Bytes(content, "application/octet-stream", enableRangeProcessing: true, entityTag: etag);
        }
        if (store is IDirectDownloads && IsMultiRange(context.Request))
        {
            // A store answers one range per request; several (containers/image's GetBlobAt) get the whole blob, as from
            // the folder store, which the client then reads its ranges from.
            var whole = await ((IBlobReader)store).OpenReadAsync(hex, context.RequestAborted);
            context.Response.ContentLength = blob.Size;
            return whole is null ? OciError.BlobUnknown() : Results.Stream(whole, "application/octet-stream");
        }
        if (store is IDirectDownloads presigned)
        {
            var lifetime = context.RequestServices.GetRequiredService<IOptions<RegistryOptions>>().Value.DownloadUrlLifetime;
            return Results.Redirect(presigned.PresignDownload(hex, lifetime), permanent: false, preserveMethod: true);
        }
        var path = store.GetLocalPath(hex);
        if (path is null)
        {
            return OciError.BlobUnknown();
        }
        return BlobTransferApi.SendStoredBlob(context, path, hex, etag);
    }

    private static bool IsMultiRange(HttpRequest request) => request.Headers.Range.ToString().Contains(',', StringComparison.Ordinal);
}
