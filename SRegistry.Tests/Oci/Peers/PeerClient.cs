using System.Net.Http.Headers;

namespace SRegistry.Tests.Oci.Peers;

/// <summary>Sends a sequence's steps in order to one registry, following the upload Location each answer gives.</summary>
public static class PeerClient
{
    public static async Task<IReadOnlyList<PeerAnswer>> RunAsync(OciTarget target, PeerSequence sequence)
    {
        using var http = target.Http();
        var answers = new List<PeerAnswer>();
        Uri? upload = null;
        foreach (var step in sequence.Steps)
        {
            using var request = new HttpRequestMessage(new HttpMethod(step.Method), Target(target, sequence, step, upload));
            if (step.Body is not null || step.Method is "PUT" or "PATCH" or "POST")
            {
                request.Content = new ByteArrayContent(step.Body ?? []);
                if (step.ContentType is not null)
                {
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(step.ContentType);
                }
                if (step.ContentRange is not null)
                {
                    // The spec's form, "start-end" without "bytes ": not what HttpClient's typed header would send.
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", step.ContentRange);
                }
            }
            if (step.Range is not null)
            {
                request.Headers.TryAddWithoutValidation("Range", step.Range);
            }
            if (step.Accept is not null)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(step.Accept));
            }
            using var response = await FollowStoreRedirectAsync(await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead), request);
            if (response.Headers.Location is { } location && location.OriginalString.Contains("/blobs/uploads/", StringComparison.Ordinal))
            {
                upload = new Uri(request.RequestUri!, location);
            }
            answers.Add(await PeerAnswer.ReadAsync(response, sequence));
        }
        return answers;
    }

    /// <summary>
    /// A blob read redirected to the object store (SRegistry with S3) is followed, as clients follow it, with the same
    /// Range; the answer compared is the store's, carrying the digest header of the registry's own first answer.
    /// </summary>
    private static async Task<HttpResponseMessage> FollowStoreRedirectAsync(HttpResponseMessage response, HttpRequestMessage request)
    {
        if ((int)response.StatusCode is not (303 or 307) || response.Headers.Location is not { } to || request.Method != HttpMethod.Get)
        {
            return response;
        }
        using var store = new HttpClient();
        using var follow = new HttpRequestMessage(HttpMethod.Get, new Uri(request.RequestUri!, to));
        if (request.Headers.TryGetValues("Range", out var range))
        {
            follow.Headers.TryAddWithoutValidation("Range", range);
        }
        var final = await store.SendAsync(follow, HttpCompletionOption.ResponseHeadersRead);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var digest))
        {
            final.Headers.Remove("Docker-Content-Digest");
            final.Headers.TryAddWithoutValidation("Docker-Content-Digest", digest);
        }
        response.Dispose();
        return final;
    }

    private static Uri Target(OciTarget target, PeerSequence sequence, PeerStep step, Uri? upload)
    {
        var url = step.Path == "{upload}"
            ? upload ?? throw new InvalidOperationException($"{sequence.Name}/{step.Label}: no upload Location yet")
            : new Uri(new Uri(target.BaseUrl), PeerBlobs.Resolve(step.Path, sequence));
        if (step.Query is null)
        {
            return url;
        }
        var builder = new UriBuilder(url);
        var query = PeerBlobs.Resolve(step.Query, sequence);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }
}
