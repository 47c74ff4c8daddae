using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci.Peers;

/// <summary>Where SRegistry may answer a step otherwise than distribution 2.8, on one aspect (<c>*</c>: all of them), and why.</summary>
public sealed record AllowedDifference(string Sequence, string Step, string Aspect, string Reason);

/// <summary>
/// Every known difference between distribution 2.8 (Debian's <c>docker-registry</c>) and the OCI Distribution
/// Specification 1.1 that SRegistry follows. A mismatch on a step and aspect not listed here fails the peer test.
/// </summary>
public static class AllowedDifferences
{
    public static readonly IReadOnlyList<AllowedDifference> All =
    [
        new("out-of-order", "patch-gap", "*",
            "distribution 2.8 ignores a PATCH's Content-Range and appends (202); spec 1.1 asks for 416 when the range does not start where the upload stands (distribution 3 checks it)"),
        new("bad-ranges", "past-the-end", "Content-Type",
            "distribution 2.8's 416 is Go's http.ServeContent note (text/plain); clients read the status and Content-Range, not the type"),
        new("bad-ranges", "backwards", "*",
            "an invalid range (last before first) may be ignored or refused (RFC 9110 14.2): SRegistry ignores it and sends the whole blob (200), distribution 2.8 refuses it (416)"),
        new("unknown", "get-upload", "error",
            "distribution 2.8 names an upload it cannot decode BLOB_UPLOAD_INVALID; spec 1.1's code for an upload that does not exist is BLOB_UPLOAD_UNKNOWN"),
        new("unknown", "patch-upload", "error",
            "as get-upload: distribution 2.8 says BLOB_UPLOAD_INVALID where the spec says BLOB_UPLOAD_UNKNOWN"),
        new("deletes", "delete-tag", "*",
            "distribution 2.8 deletes manifests by digest only (400 on a tag); spec 1.1 lets a registry delete a tag alone (202), which SRegistry does"),
        new("deletes", "tag-gone", "*",
            "follows from delete-tag: on distribution 2.8 the tag was never deleted"),
        new("deletes", "delete-blob", "*",
            "spec 1.1 lets a registry refuse blob deletes (405 UNSUPPORTED): SRegistry removes blobs with the manifests and images that use them; distribution 2.8 with deletes enabled unlinks the blob (202)"),
        new("deletes", "blob-stays", "*", "follows from delete-blob: SRegistry kept the blob, distribution 2.8 unlinked it"),
        new("pagination", "all", "tags",
            "distribution 2.8 lists tags in storage order; spec 1.1 lists them in lexical order"),
        new("pagination", "all", "Content-Length",
            "SRegistry writes a tag list as it reads it (chunked, no Content-Length); clients read JSON answers to the end"),
        new("pagination", "first-page", "*",
            "distribution 2.8 ignores n and last (pagination arrived in distribution 3): every tag, no Link; spec 1.1: at most n, lexical, Link to the next page"),
        new("pagination", "next-page", "*", "as first-page: distribution 2.8 has no pagination"),
        new("pagination", "past-the-last", "*", "as first-page: distribution 2.8 has no pagination"),
        new("referrers", "put-referrer", "OCI-Subject",
            "distribution 2.8 predates spec 1.1's subject field: it stores the manifest but does not answer OCI-Subject"),
        new("referrers", "list-referrers", "*",
            "distribution 2.8 has no referrers API (404 page not found); spec 1.1 answers an image index of the manifests whose subject is the digest"),
    ];

    /// <summary>
    /// With the S3 store SRegistry redirects blob reads to the bucket (307), and clients follow: these answers are then
    /// the bucket's own (radosgw's), not SRegistry's.
    /// </summary>
    public static readonly IReadOnlyList<AllowedDifference> ObjectStore =
    [
        new("bad-ranges", "past-the-end", "Content-Range", "the bucket's 416 is S3's InvalidRange error, without a Content-Range"),
        new("bad-ranges", "past-the-end", "Content-Type", "the bucket's 416 is S3's XML error"),
        new("bad-ranges", "past-the-end", "Content-Length", "the bucket's 416 is S3's XML error"),
        new("bad-ranges", "backwards", "status",
            "the bucket refuses an invalid range (416) where SRegistry's own file answer ignores it (200); RFC 9110 14.2 allows either"),
        new("bad-ranges", "backwards", "*", "as the status: the bucket's refusal"),
    ];

    public static bool Allows(string sequence, string step, string aspect) =>
        All.Concat(TestBackends.OnS3 ? ObjectStore : []).Any(d => d.Sequence == sequence && d.Step == step && (d.Aspect == "*" || d.Aspect == aspect));

    /// <summary>Whether a status other than the spec's is allowed here: only the object store's answers listed above.</summary>
    public static bool AllowsStatus(string sequence, string step) =>
        TestBackends.OnS3 && ObjectStore.Any(d => d.Sequence == sequence && d.Step == step && d.Aspect == "status");
}
