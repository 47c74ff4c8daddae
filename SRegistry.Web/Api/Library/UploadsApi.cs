using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Uploads;
using SRegistry.Web.Api.Blobs;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>The upload handshake (U1, U2, U4, U5, U6, U8, U9 in docs/protocol/library.md). Bytes go to the server-minted URLs in <see cref="BlobTransferApi"/>.</summary>
public static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploads(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/imagefile/{imageId}", LegacyUpload);
        var v2 = app.MapGroup("/v2/imagefile/{imageId}");
        v2.MapPost("", StartSingle);
        v2.MapPut("/_complete", CompleteSingle);
        v2.MapPost("/_multipart", StartMultipart);
        v2.MapPut("/_multipart", PartUrl);
        v2.MapPut("/_multipart_complete", CompleteMultipart);
        v2.MapPut("/_multipart_abort", AbortMultipart);
        return app;
    }

    /// <summary>U1: the whole file in one request, for clients that think the server is old. Exactly 200 on success.</summary>
    public static async Task<Results<Envelope<UploadCompleteWire>, LibraryError>> LegacyUpload(string imageId, HttpContext context, Caller caller,
        OneRequestUploads uploads)
    {
        BlobTransferApi.AllowLargeBody(context);
        var outcome = await uploads.ReceiveAsync(caller.Principal, imageId, context.Request.Body, context.Request.ContentLength,
            context.RequestAborted);
        return OutcomeResults.Envelope(outcome, caller, UploadCompleteWire.From);
    }

    public static async Task<Results<Envelope<UploadUrlWire>, LibraryError>> StartSingle(string imageId, JsonBody<UploadImageRequest> body,
        HttpContext context, Caller caller, SinglePartUploads uploads, CancellationToken ct)
    {
        var outcome = await uploads.StartAsync(caller.Principal, imageId, body.Value.FileSize, body.Value.Sha256Sum, ct);
        return OutcomeResults.Envelope(outcome, caller, session => new UploadUrlWire(BlobTransferApi.SingleUploadUrl(context, session)));
    }

    public static async Task<Results<Envelope<UploadCompleteWire>, LibraryError>> CompleteSingle(string imageId, Caller caller,
        SinglePartUploads uploads, CancellationToken ct) =>
        OutcomeResults.Envelope(await uploads.CompleteAsync(caller.Principal, imageId, ct), caller, UploadCompleteWire.From);

    /// <summary>
    /// U5. <c>s3compliant=false</c> spares the client a second read of every part; the whole-file hash checked at
    /// completion still guarantees integrity (docs/protocol/library.md#push-multipart).
    /// </summary>
    public static async Task<Results<Envelope<MultipartWire>, LibraryError>> StartMultipart(string imageId, JsonBody<MultipartStartRequest> body,
        Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var outcome = await uploads.StartAsync(caller.Principal, imageId, body.Value.FileSize, ct);
        return OutcomeResults.Envelope(outcome, caller, plan => new MultipartWire(plan.UploadId, plan.TotalParts, plan.PartSize,
            new Dictionary<string, string> { ["s3compliant"] = "false" }));
    }

    /// <summary>U6: must answer 200 with a body (204 fails the client).</summary>
    public static async Task<Results<Envelope<PartUrlWire>, LibraryError>> PartUrl(string imageId, JsonBody<MultipartPartRequest> body,
        HttpContext context, Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var request = body.Value;
        var outcome = await uploads.PreparePartAsync(caller.Principal, imageId, request.UploadId, request.PartNumber, request.PartSize, ct);
        return OutcomeResults.Envelope(outcome, caller,
            session => new PartUrlWire(BlobTransferApi.PartUploadUrl(context, session, request.PartNumber)));
    }

    /// <summary>U8: must answer 200 with a JSON body and a non-empty containerUrl.</summary>
    public static async Task<Results<Envelope<UploadCompleteWire>, LibraryError>> CompleteMultipart(string imageId,
        JsonBody<MultipartCompleteRequest> body, Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var parts = (body.Value.CompletedParts ?? []).Select(p => (p.PartNumber, p.Token ?? "")).ToList();
        var outcome = await uploads.CompleteAsync(caller.Principal, imageId, body.Value.UploadId, parts, ct);
        return OutcomeResults.Envelope(outcome, caller, UploadCompleteWire.From);
    }

    public static async Task<Results<Envelope<Dictionary<string, string>>, LibraryError>> AbortMultipart(string imageId,
        JsonBody<MultipartAbortRequest> body, Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var outcome = await uploads.AbortAsync(caller.Principal, imageId, body.Value.UploadId, ct);
        return OutcomeResults.Envelope(outcome, caller, _ => new Dictionary<string, string> { ["status"] = "aborted" });
    }
}
