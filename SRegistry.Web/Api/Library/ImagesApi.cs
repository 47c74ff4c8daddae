using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core;
using SRegistry.Core.Library;
using SRegistry.Core.Oci;
using SRegistry.Web.Api.Blobs;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>Images, tags, search, delete and the download redirect (L7 to L14, P1 in docs/protocol/library.md).</summary>
public static class ImagesApi
{
    public static IEndpointRouteBuilder MapImages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/images/{**reference}", GetImage);
        app.MapPost("/v1/images", CreateImage);
        app.MapDelete("/v1/images/{**reference}", DeleteImage);
        app.MapGet("/v1/tags/{containerId}", GetArchBlindTags);
        app.MapPost("/v1/tags/{containerId}", SetArchBlindTag);
        app.MapGet("/v2/tags/{containerId}", GetArchTags);
        app.MapPost("/v2/tags/{containerId}", SetArchTag);
        app.MapGet("/v1/search", Search);
        app.MapGet("/v1/imagefile/{**reference}", Download);
        return app;
    }

    /// <summary>The first call of every pull: it asks for <see cref="ImageLookup"/> alone, not the whole catalog and its dependencies.</summary>
    public static async Task<Results<Envelope<ImageWire>, LibraryError>> GetImage(string? reference, string? arch, Caller caller,
        ImageLookup lookup, OciImageHint ociImages, CancellationToken ct)
    {
        var outcome = await lookup.ResolveAsync(caller.Principal, reference, arch, ct);
        // Only the OCI side has it, as an OCI image: the message SingularityCE 4 turns into an OCI pull (oci.md#oci-sif).
        if (outcome.Failure == Failure.NotFound && await ociImages.MessageAsync(caller.Principal, reference, ct) is { } ociImage)
        {
            return LibraryError.NotFound(ociImage);
        }
        return OutcomeResults.Envelope(outcome, caller, ImageWire.From);
    }

    public static async Task<Results<Envelope<ImageWire>, LibraryError>> CreateImage(JsonBody<CreateImageRequest> body, Caller caller,
        ImageCatalog catalog, CancellationToken ct)
    {
        var request = body.Value;
        var outcome = await catalog.CreateAsync(caller.Principal, request.Container, request.Hash, request.Description, ct);
        return OutcomeResults.Envelope(outcome, caller, ImageWire.From);
    }

    /// <summary>Deletes the image and every tag pointing at it; success is 200 only (docs/protocol/library.md#l9).</summary>
    public static async Task<Results<Envelope<ImageWire>, LibraryError>> DeleteImage(string? reference, string? arch, Caller caller,
        ImageCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.DeleteAsync(caller.Principal, reference, arch, ct);
        return OutcomeResults.Envelope(outcome, caller, ImageWire.From);
    }

    public static async Task<Results<Envelope<IReadOnlyDictionary<string, string>>, LibraryError>> GetArchBlindTags(string containerId, Caller caller,
        ImageCatalog catalog, CancellationToken ct) =>
        OutcomeResults.Envelope(await catalog.ArchBlindTagsAsync(caller.Principal, containerId, ct), caller, tags => tags);

    /// <summary>L11 must answer exactly 200 (201 fails the push).</summary>
    public static async Task<Results<Envelope<IReadOnlyDictionary<string, string>>, LibraryError>> SetArchBlindTag(string containerId,
        JsonBody<SetTagRequest> body, Caller caller, ImageCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.SetTagAsync(caller.Principal, containerId, null, body.Value.Tag, body.Value.ImageId, ct);
        return outcome.Succeeded ? await GetArchBlindTags(containerId, caller, catalog, ct) : OutcomeResults.Error(outcome, caller);
    }

    public static async Task<Results<Envelope<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>, LibraryError>> GetArchTags(
        string containerId, Caller caller, ImageCatalog catalog, CancellationToken ct) =>
        OutcomeResults.Envelope(await catalog.ArchTagsAsync(caller.Principal, containerId, ct), caller, tags => tags);

    /// <summary>L13 must answer exactly 200.</summary>
    public static async Task<Results<Envelope<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>, LibraryError>> SetArchTag(
        string containerId, JsonBody<SetTagRequest> body, Caller caller, ArchTagging tagging, ImageCatalog catalog, CancellationToken ct)
    {
        var request = body.Value;
        var outcome = await tagging.SetAsync(caller.Principal, containerId, request.Arch, request.Tag, request.ImageId, ct);
        return outcome.Succeeded ? await GetArchTags(containerId, caller, catalog, ct) : OutcomeResults.Error(outcome, caller);
    }

    public static async Task<Results<Envelope<SearchWire>, LibraryError>> Search(string? value, string? arch, string? signed, Caller caller,
        LibrarySearch search, CancellationToken ct)
    {
        bool? signedOnly = signed switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            _ => null,
        };
        if (signed is not (null or "" or "true" or "false"))
        {
            return LibraryError.BadRequest("signed must be true or false");
        }
        var outcome = await search.SearchAsync(caller.Principal, value, arch, signedOnly, ct);
        if (!outcome.Succeeded)
        {
            return OutcomeResults.Error(outcome, caller);
        }
        var found = outcome.Value!;
        return new Envelope<SearchWire>(new SearchWire
        {
            Entity = [.. found.Entities.Select(EntityWire.From)],
            Collection = [.. found.Collections.Select(CollectionWire.From)],
            Container = [.. found.Containers.Select(ContainerWire.From)],
            Image = [.. found.Images.Select(ImageWire.From)],
        });
    }

    /// <summary>
    /// P1: answers 303 to a self-authorising, range-capable blob URL, so clients download in parallel.
    /// Never another redirect code: the oldest clients fail on 301/302/307/308 (docs/protocol/library.md#download-modes).
    /// </summary>
    public static async Task<Results<StatusCodeHttpResult, LibraryError>> Download(string? reference, string? arch, Caller caller,
        ImageDownloads downloads, HttpContext context, CancellationToken ct)
    {
        var outcome = await downloads.StartAsync(caller.Principal, reference, arch, ct);
        if (!outcome.Succeeded)
        {
            return OutcomeResults.Error(outcome, caller);
        }
        context.Response.Headers.Location = BlobTransferApi.DownloadUrl(context, outcome.Value!);
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
}
