using SRegistry.Core.Oci;
using SRegistry.Web.Api.Oci.Auth;

namespace SRegistry.Web.Api.Oci;

/// <summary>Manifests by tag or digest, tags and referrers of a repository (docs/protocol/oci.md#manifests).</summary>
public static class OciManifestsApi
{
    public static void MapOciManifests(this RouteGroupBuilder repository)
    {
        repository.MapMethods("/manifests/{reference}", [HttpMethods.Get, HttpMethods.Head], GetManifest);
        repository.MapPut("/manifests/{reference}", PutManifest);
        repository.MapDelete("/manifests/{reference}", DeleteManifest);
        repository.MapGet("/tags/list", ListTags);
        repository.MapGet("/referrers/{digest}", Referrers);
    }

    public static async Task<IResult> GetManifest(string entity, string collection, string container, string reference, HttpContext context,
        OciCaller caller, OciGate gate, OciManifestReads reads)
    {
        var (repository, refusal) = await gate.ForReadAsync(context, caller, OciGate.NameOf(entity, collection, container));
        if (repository is null)
        {
            return refusal!;
        }
        var found = await reads.GetAsync(repository, reference, OciResults.AcceptedTypes(context.Request), context.RequestAborted);
        return found.Succeeded ? OciResults.Document(context, found.Value!) : OciResults.ToError(found.Refusal);
    }

    public static async Task<IResult> PutManifest(string entity, string collection, string container, string reference, HttpContext context,
        OciCaller caller, OciGate gate, OciManifestWrites writes)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (repository, refusal) = await gate.ForChangeAsync(context, caller, name, OciActions.Push);
        if (repository is null)
        {
            return refusal!;
        }
        var content = await ReadLimitedAsync(context.Request, ManifestDocument.MaxBytes, context.RequestAborted);
        if (content is null)
        {
            return OciError.ManifestInvalid($"a manifest may be at most {ManifestDocument.MaxBytes} bytes");
        }
        var pushed = await writes.PutAsync(caller.Principal, repository, reference, content, context.Request.ContentType, context.RequestAborted);
        if (!pushed.Succeeded)
        {
            return OciResults.ToError(pushed.Refusal);
        }
        var digest = OciNames.DigestOf(pushed.Value!.Hex);
        var headers = context.Response.Headers;
        headers["Docker-Content-Digest"] = digest;
        if (pushed.Value.SubjectHex is { } subject)
        {
            headers["OCI-Subject"] = OciNames.DigestOf(subject);
        }
        return Results.Created(OciUrls.Repository(context, name) + "/manifests/" + digest, null);
    }

    public static async Task<IResult> DeleteManifest(string entity, string collection, string container, string reference, HttpContext context,
        OciCaller caller, OciGate gate, OciManifestWrites writes)
    {
        var (repository, refusal) = await gate.ForChangeAsync(context, caller, OciGate.NameOf(entity, collection, container), OciActions.Delete);
        if (repository is null)
        {
            return refusal!;
        }
        var deleted = await writes.DeleteAsync(caller.Principal, repository, reference, context.RequestAborted);
        return deleted.Succeeded ? Results.Accepted() : OciResults.ToError(deleted.Refusal);
    }

    public static async Task<IResult> ListTags(string entity, string collection, string container, int? n, string? last, HttpContext context,
        OciCaller caller, OciGate gate, OciManifestReads reads)
    {
        var name = OciGate.NameOf(entity, collection, container);
        var (repository, refusal) = await gate.ForReadAsync(context, caller, name);
        if (repository is null)
        {
            return refusal!;
        }
        if (n is < 0)
        {
            return new OciError(StatusCodes.Status400BadRequest, "PAGINATION_NUMBER_INVALID", "n must not be negative");
        }
        var page = await reads.TagsAsync(repository, n, last, context.RequestAborted);
        if (page.HasMore)
        {
            var next = $"/v2/{name}/tags/list?n={n}&last={Uri.EscapeDataString(page.Tags[^1])}";
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        return Results.Json(new TagList(name, page.Tags));
    }

    public static async Task<IResult> Referrers(string entity, string collection, string container, string digest, string? artifactType,
        HttpContext context, OciCaller caller, OciGate gate, OciManifestReads reads)
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
        var index = await reads.ReferrersAsync(repository, hex, artifactType, context.RequestAborted);
        if (artifactType is not null)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }
        return Results.Bytes(index, OciMediaTypes.ImageIndex);
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private sealed record TagList(
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("tags")] IReadOnlyList<string> Tags);
}
