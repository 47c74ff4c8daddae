using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Uploads;
using SRegistry.Web.Api.Blobs;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>The upload handshake (spec U1, U2, U4, U5, U6, U8, U9). Bytes go to the server-minted URLs in <see cref="BlobTransferApi"/>.</summary>
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
        return outcome.Succeeded ? new Envelope<UploadCompleteWire>(UploadCompleteWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<UploadUrlWire>, LibraryError>> StartSingle(string imageId, HttpContext context, Caller caller,
        SinglePartUploads uploads, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<UploadImageRequest>(context.Request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await uploads.StartAsync(caller.Principal, imageId, body!.FileSize, body.Sha256Sum, ct);
        return outcome.Succeeded
            ? new Envelope<UploadUrlWire>(new UploadUrlWire(BlobTransferApi.SingleUploadUrl(context, outcome.Value!)))
            : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<UploadCompleteWire>, LibraryError>> CompleteSingle(string imageId, Caller caller,
        SinglePartUploads uploads, CancellationToken ct)
    {
        var outcome = await uploads.CompleteAsync(caller.Principal, imageId, ct);
        return outcome.Succeeded ? new Envelope<UploadCompleteWire>(UploadCompleteWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    /// <summary>
    /// U5. <c>s3compliant=false</c> spares the client a second read of every part; the whole-file hash checked at
    /// completion still guarantees integrity (spec 6.4).
    /// </summary>
    public static async Task<Results<Envelope<MultipartWire>, LibraryError>> StartMultipart(string imageId, HttpContext context, Caller caller,
        MultipartUploads uploads, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<MultipartStartRequest>(context.Request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await uploads.StartAsync(caller.Principal, imageId, body!.FileSize, ct);
        if (!outcome.Succeeded)
        {
            return Failed.For(outcome, caller);
        }
        var plan = outcome.Value!;
        return new Envelope<MultipartWire>(new MultipartWire(plan.UploadId, plan.TotalParts, plan.PartSize,
            new Dictionary<string, string> { ["s3compliant"] = "false" }));
    }

    /// <summary>U6: must answer 200 with a body (204 fails the client).</summary>
    public static async Task<Results<Envelope<PartUrlWire>, LibraryError>> PartUrl(string imageId, HttpContext context, Caller caller,
        MultipartUploads uploads, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<MultipartPartRequest>(context.Request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await uploads.PreparePartAsync(caller.Principal, imageId, body!.UploadId, body.PartNumber, body.PartSize, ct);
        return outcome.Succeeded
            ? new Envelope<PartUrlWire>(new PartUrlWire(BlobTransferApi.PartUploadUrl(context, outcome.Value!, body.PartNumber)))
            : Failed.For(outcome, caller);
    }

    /// <summary>U8: must answer 200 with a JSON body and a non-empty containerUrl.</summary>
    public static async Task<Results<Envelope<UploadCompleteWire>, LibraryError>> CompleteMultipart(string imageId, HttpContext context,
        Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<MultipartCompleteRequest>(context.Request, uploads.CompletionBodyLimit, ct);
        if (error is not null)
        {
            return error;
        }
        var parts = (body!.CompletedParts ?? []).Select(p => (p.PartNumber, p.Token ?? "")).ToList();
        var outcome = await uploads.CompleteAsync(caller.Principal, imageId, body.UploadId, parts, ct);
        return outcome.Succeeded ? new Envelope<UploadCompleteWire>(UploadCompleteWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<Dictionary<string, string>>, LibraryError>> AbortMultipart(string imageId, HttpContext context,
        Caller caller, MultipartUploads uploads, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<MultipartAbortRequest>(context.Request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await uploads.AbortAsync(caller.Principal, imageId, body!.UploadId, ct);
        return outcome.Succeeded ? new Envelope<Dictionary<string, string>>(new() { ["status"] = "aborted" }) : Failed.For(outcome, caller);
    }
}
