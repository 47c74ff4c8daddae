using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SRegistry.Core.Access;
using SRegistry.Core.Configuration;
using SRegistry.Core.Data;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;
using SRegistry.Core.Uploads;
using SRegistry.Core.Uploads.Staging;
using SRegistry.Web.Api.Library;
using SRegistry.Web.Auth;
using SRegistry.Web.Hosting;

namespace SRegistry.Web.Api.Blobs;

/// <summary>
/// The server-minted URLs: uploads of whole files and parts, and ranged downloads. They carry their own credential
/// in the query string because the client sends no token to them. With an object store they are the store's own
/// presigned URLs and the bytes never reach this server; with the folder store they point back here.
/// </summary>
public static class BlobTransferApi
{
    private const string SinglePurpose = "up";
    private const string PartPurpose = "part";
    private const string DownloadPurpose = "dl";

    public static IEndpointRouteBuilder MapBlobTransfers(this IEndpointRouteBuilder app)
    {
        var blobs = app.MapGroup("/_blobs");
        blobs.MapPut("/up/{sessionId}", ReceiveSingle);
        blobs.MapPut("/part/{sessionId}/{partNumber:int}", ReceivePart);
        blobs.MapMethods("/dl/{imageId}", [HttpMethods.Get, HttpMethods.Head], Download);
        blobs.MapGet("/counters", Counters);
        return app;
    }

    public static string SingleUploadUrl(HttpContext context, UploadSession session) =>
        Staging(context).DirectSingleUrl(session, UploadUrlLifetime(context))
        ?? Url(context, $"/_blobs/up/{session.Id}", SinglePurpose, session.Id, UploadUrlLifetime(context));

    public static string PartUploadUrl(HttpContext context, UploadSession session, int partNumber) =>
        Staging(context).DirectPartUrl(session, partNumber, UploadUrlLifetime(context))
        ?? Url(context, $"/_blobs/part/{session.Id}/{partNumber}", PartPurpose, $"{session.Id}/{partNumber}", UploadUrlLifetime(context));

    public static string DownloadUrl(HttpContext context, Image image)
    {
        var lifetime = context.RequestServices.GetRequiredService<IOptions<RegistryOptions>>().Value.DownloadUrlLifetime;
        return context.RequestServices.GetRequiredService<IBlobStore>() is IDirectDownloads direct
            ? direct.PresignDownload(ImageCatalog.HexOf(image.Hash), lifetime)
            : Url(context, $"/_blobs/dl/{image.Id}", DownloadPurpose, image.Id, lifetime);
    }

    /// <summary>Image bytes that went through this process (admins only): zero for clients when an object store is on.</summary>
    public static Results<Ok<TransferCountersWire>, LibraryError> Counters(Caller caller, TransferCounters counters) =>
        AccessPolicy.CanAdminister(caller.Principal)
            ? TypedResults.Ok(new TransferCountersWire(counters.ReceivedFromClients, counters.SentToClients, counters.ReadBackFromStore))
            : LibraryError.NotFound("not found");

    /// <summary>U3: the whole file of a single-part upload. Must answer exactly 200.</summary>
    public static async Task<Results<Ok, LibraryError>> ReceiveSingle(string sessionId, string? t, HttpContext context, SinglePartUploads uploads)
    {
        if (!Tokens(context).Verify(t, SinglePurpose, sessionId))
        {
            return new LibraryError(StatusCodes.Status403Forbidden, "upload URL is invalid or expired; push again");
        }
        AllowLargeBody(context);
        var outcome = await uploads.ReceiveAsync(sessionId, context.Request.Body, context.RequestAborted);
        return outcome.Succeeded ? TypedResults.Ok() : OutcomeResults.Error(outcome);
    }

    /// <summary>U7: one part of a multipart upload, written at its offset. Answers 200 with the ETag the client echoes back.</summary>
    public static async Task<Results<Ok, LibraryError>> ReceivePart(string sessionId, int partNumber, string? t, HttpContext context,
        MultipartUploads uploads)
    {
        if (!Tokens(context).Verify(t, PartPurpose, $"{sessionId}/{partNumber}"))
        {
            return new LibraryError(StatusCodes.Status403Forbidden, "part upload URL is invalid or expired; push again");
        }
        AllowLargeBody(context);
        var declared = context.Request.Headers["x-amz-content-sha256"].ToString();
        var outcome = await uploads.ReceivePartAsync(sessionId, partNumber, context.Request.Body, declared, context.RequestAborted);
        if (!outcome.Succeeded)
        {
            return OutcomeResults.Error(outcome);
        }
        context.Response.Headers.ETag = outcome.Value;
        return TypedResults.Ok();
    }

    /// <summary>P2: the image bytes, with Range support (206 + Content-Range), Accept-Ranges and the hash as ETag, sent in 1 MiB blocks.</summary>
    public static async Task<IResult> Download(string imageId, string? t, HttpContext context,
        RegistryDbContext db, IBlobStore blobs)
    {
        if (!Tokens(context).Verify(t, DownloadPurpose, imageId))
        {
            return LibraryError.NotFound("download URL is invalid or expired; pull again");
        }
        var image = await db.Images.AsNoTracking().FirstOrDefaultAsync(i => i.Id == imageId && i.IsUploaded, context.RequestAborted);
        var path = image is null ? null : blobs.GetLocalPath(ImageCatalog.HexOf(image.Hash));
        if (image is null || path is null)
        {
            return LibraryError.NotFound("image not found");
        }
        return SendStoredBlob(context, path, ImageCatalog.HexOf(image.Hash), new EntityTagHeaderValue($"\"{image.Hash}\""), image.UpdatedAt);
    }

    /// <summary>
    /// A stored blob's bytes, the one way both protocols send them: handed to nginx (<see cref="OffloadToProxy"/>), or
    /// with ranges and the ETag by the framework's file result, in 1 MiB blocks, counted for <c>/metrics</c>.
    /// </summary>
    internal static IResult SendStoredBlob(HttpContext context, string path, string hex, EntityTagHeaderValue etag, DateTimeOffset? lastModified = null)
    {
        if (OffloadToProxy(context, hex))
        {
            return TypedResults.Empty;
        }
        var counters = context.RequestServices.GetRequiredService<TransferCounters>();
        context.Response.OnCompleted(() =>
        {
            counters.Sent(context.Response.ContentLength ?? 0);
            return Task.CompletedTask;
        });
        LargeBlockFileSender.Use(context);
        return TypedResults.PhysicalFile(path, "application/octet-stream", enableRangeProcessing: true, entityTag: etag, lastModified: lastModified);
    }

    /// <summary>
    /// <c>Registry:Downloads:Offload=XAccelRedirect</c>: the download is authorised here and nginx serves the blob file
    /// from its internal location. Only for requests a trusted proxy forwarded: a client that reaches the app directly
    /// (a health check, a node inside the firewall) still gets the bytes, not an empty answer.
    /// </summary>
    internal static bool OffloadToProxy(HttpContext context, string hex)
    {
        var downloads = context.RequestServices.GetRequiredService<IOptions<RegistryOptions>>().Value.Downloads;
        if (downloads.Offload != DownloadOffload.XAccelRedirect || !TrustedProxies.Forwarded(context.Request))
        {
            return false;
        }
        context.Response.Headers["X-Accel-Redirect"] = $"{downloads.InternalLocation}sha256/{hex[..2]}/{hex}";
        context.Response.ContentType = "application/octet-stream";
        return true;
    }

    private static string Url(HttpContext context, string path, string purpose, string objectId, TimeSpan lifetime)
    {
        var token = Tokens(context).Issue(purpose, objectId, lifetime);
        var baseUrl = context.RequestServices.GetRequiredService<PublicUrls>().BaseUrl(context.Request);
        return $"{baseUrl}{path}?t={Uri.EscapeDataString(token)}";
    }

    private static TimeSpan UploadUrlLifetime(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<RegistryOptions>>().Value.UploadLifetime;

    private static IUploadStaging Staging(HttpContext context) => context.RequestServices.GetRequiredService<IUploadStaging>();

    private static TransferTokens Tokens(HttpContext context) => context.RequestServices.GetRequiredService<TransferTokens>();

    /// <summary>Image bodies are many gigabytes and may arrive slowly: lift Kestrel's size and minimum-rate limits for this request.</summary>
    internal static void AllowLargeBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }
}

/// <summary>What <c>GET /_blobs/counters</c> answers.</summary>
public sealed record TransferCountersWire(long ImageBytesReceived, long ImageBytesSent, long ImageBytesReadBack);
