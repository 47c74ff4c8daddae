using SRegistry.Core.Model;
using SRegistry.Core.Oci;
using SRegistry.Web.Api.Blobs;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>
/// Blob uploads: POST starts one (or mounts, or takes the whole blob at once), PATCH adds chunks, PUT with the digest
/// ends it, GET tells how far it got, DELETE drops it (docs/protocol/oci.md#push).
/// </summary>
public static class OciUploadsApi
{
    public static void MapOciUploads(this RouteGroupBuilder repository)
    {
        repository.MapPost("/blobs/uploads/", Start);
        repository.MapMethods("/blobs/uploads/{uploadId}", [HttpMethods.Get], Status);
        repository.MapPatch("/blobs/uploads/{uploadId}", Append);
        repository.MapPut("/blobs/uploads/{uploadId}", Complete);
        repository.MapDelete("/blobs/uploads/{uploadId}", Cancel);
    }

    public static async Task<IResult> Start(string entity, string collection, string container, string? digest, string? mount, string? from,
        HttpContext context, OciCaller caller, OciGate gate, OciUploads uploads, RepositoryBlobs blobs)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (repository, refusal) = await gate.ForChangeAsync(context, caller, name, OciActions.Push);
        if (repository is null)
        {
            return refusal!;
        }
        if (OciNames.HexOf(mount) is { } mounted && from is not null
            && await blobs.MountAsync(caller.Principal, repository, mounted, from, context.RequestAborted) is { } blob)
        {
            return Stored(context, name, blob);
        }
        var upload = await uploads.StartAsync(caller.Principal, repository, context.RequestAborted);
        if (digest is null)
        {
            return Progress(context, name, upload, StatusCodes.Status202Accepted);
        }
        // The monolithic form: the whole blob in this request.
        BlobTransferApi.AllowLargeBody(context);
        var completed = await uploads.CompleteAsync(caller.Principal, repository, upload, digest, context.Request.Body, context.Request.ContentLength,
            context.RequestAborted);
        return completed.Succeeded ? Stored(context, name, completed.Value!) : OciResults.ToError(completed.Refusal);
    }

    public static async Task<IResult> Status(string entity, string collection, string container, string uploadId, HttpContext context,
        OciCaller caller, OciGate gate, OciUploads uploads)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (upload, refusal) = await FindAsync(context, caller, gate, uploads, name, uploadId);
        return upload is null ? refusal! : Progress(context, name, upload, StatusCodes.Status204NoContent);
    }

    public static async Task<IResult> Append(string entity, string collection, string container, string uploadId, HttpContext context,
        OciCaller caller, OciGate gate, OciUploads uploads)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (upload, refusal) = await FindAsync(context, caller, gate, uploads, name, uploadId);
        if (upload is null)
        {
            return refusal!;
        }
        if (!ChunkRange.TryParse(context.Request.Headers.ContentRange.ToString(), out var range))
        {
            return OciError.RangeInvalid("Content-Range must be <start>-<end>").With("Range", RangeOf(upload))
                .With("Location", OciUrls.Upload(context, name, upload.Id));
        }
        var length = range is { } r ? r.End - r.Start + 1 : context.Request.ContentLength;
        if (range is not null && context.Request.ContentLength is { } declared && declared != length)
        {
            return OciError.RangeInvalid("Content-Range and Content-Length disagree").With("Range", RangeOf(upload));
        }
        BlobTransferApi.AllowLargeBody(context);
        var appended = await uploads.AppendAsync(upload, context.Request.Body, range?.Start, length, context.RequestAborted);
        if (!appended.Succeeded)
        {
            return OciResults.ToError(appended.Refusal).With("Range", RangeOf(upload)).With("Location", OciUrls.Upload(context, name, upload.Id));
        }
        return Progress(context, name, appended.Value!, StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> Complete(string entity, string collection, string container, string uploadId, string? digest,
        HttpContext context, OciCaller caller, OciGate gate, OciUploads uploads)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (repository, refusal) = await gate.ForChangeAsync(context, caller, name, OciActions.Push);
        if (repository is null)
        {
            return refusal!;
        }
        var upload = await uploads.FindAsync(caller.Principal, repository, uploadId, context.RequestAborted);
        if (!upload.Succeeded)
        {
            return OciResults.ToError(upload.Refusal);
        }
        BlobTransferApi.AllowLargeBody(context);
        var completed = await uploads.CompleteAsync(caller.Principal, repository, upload.Value!, digest, context.Request.Body,
            context.Request.ContentLength, context.RequestAborted);
        return completed.Succeeded ? Stored(context, name, completed.Value!) : OciResults.ToError(completed.Refusal);
    }

    public static async Task<IResult> Cancel(string entity, string collection, string container, string uploadId, HttpContext context,
        OciCaller caller, OciGate gate, OciUploads uploads)
    {
        var (upload, refusal) = await FindAsync(context, caller, gate, uploads, OciGate.NameOf(entity, collection, container), uploadId);
        if (upload is null)
        {
            return refusal!;
        }
        await uploads.CancelAsync(upload, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<(OciUpload? Upload, IResult? Refusal)> FindAsync(HttpContext context, OciCaller caller, OciGate gate, OciUploads uploads,
        string name, string uploadId)
    {
        var (repository, refusal) = await gate.ForChangeAsync(context, caller, name, OciActions.Push);
        if (repository is null)
        {
            return (null, refusal);
        }
        var upload = await uploads.FindAsync(caller.Principal, repository, uploadId, context.RequestAborted);
        return upload.Succeeded ? (upload.Value, null) : (null, OciResults.ToError(upload.Refusal));
    }

    private static IResult Stored(HttpContext context, string name, RepositoryBlob blob)
    {
        context.Response.Headers["Docker-Content-Digest"] = blob.Digest;
        return Results.Created(OciUrls.Blob(context, name, blob.Digest), null);
    }

    private static IResult Progress(HttpContext context, string name, OciUpload upload, int status)
    {
        var headers = context.Response.Headers;
        headers.Location = OciUrls.Upload(context, name, upload.Id);
        headers["Range"] = RangeOf(upload);
        headers["Docker-Upload-UUID"] = upload.Id;
        headers.ContentLength = 0;
        return Results.StatusCode(status);
    }

    /// <summary>The bytes held so far as the spec writes them, <c>0-&lt;last&gt;</c> (<c>0-0</c> when none yet, as registries answer).</summary>
    private static string RangeOf(OciUpload upload) => $"0-{Math.Max(upload.Received - 1, 0)}";
}
