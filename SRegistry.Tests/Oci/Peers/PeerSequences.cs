namespace SRegistry.Tests.Oci.Peers;

/// <summary>
/// The request sequences sent to both registries (issue 18 item 6), as data. Statuses are the OCI Distribution
/// Specification 1.1's; where distribution 2.8 answers otherwise, <see cref="PeerStep.ReferenceStatus"/> says what it
/// answers and <see cref="AllowedDifferences"/> says why.
/// </summary>
public static class PeerSequences
{
    private const string Octets = "application/octet-stream";
    private const string Index = "application/vnd.oci.image.index.v1+json";
    private static readonly byte[] Layer = PeerBlobs.Layer;

    public static readonly IReadOnlyList<PeerSequence> All =
    [
        new("monolithic", [
            Post("open"),
            new("put-whole", "PUT", "{upload}", 201, Query: "digest={layer}", Body: Layer, ContentType: Octets),
            new("head-blob", "HEAD", "/v2/{name}/blobs/{layer}", 200),
            new("get-blob", "GET", "/v2/{name}/blobs/{layer}", 200),
        ]),
        new("chunked", [
            Post("open"),
            new("patch-first", "PATCH", "{upload}", 202, Body: Layer[..1000], ContentType: Octets, ContentRange: "0-999"),
            new("patch-rest", "PATCH", "{upload}", 202, Body: Layer[1000..], ContentType: Octets, ContentRange: "1000-2999"),
            new("status", "GET", "{upload}", 204),
            new("close", "PUT", "{upload}", 201, Query: "digest={layer}", ContentType: Octets),
            new("get-range", "GET", "/v2/{name}/blobs/{layer}", 206, Range: "bytes=10-19"),
        ]),
        new("out-of-order", [
            Post("open"),
            new("patch-first", "PATCH", "{upload}", 202, Body: Layer[..1000], ContentType: Octets, ContentRange: "0-999"),
            new("patch-gap", "PATCH", "{upload}", 416, Body: Layer[2000..], ContentType: Octets, ContentRange: "2000-2999", ReferenceStatus: 202),
        ]),
        new("wrong-digest", [
            Post("open"),
            new("put-wrong-digest", "PUT", "{upload}", 400, Query: "digest={wrong}", Body: Layer, ContentType: Octets),
            new("head-wrong", "HEAD", "/v2/{name}/blobs/{wrong}", 404),
        ]),
        new("bad-ranges", [
            .. Upload(Layer, "{layer}"),
            new("past-the-end", "GET", "/v2/{name}/blobs/{layer}", 416, Range: "bytes=5000-6000"),
            new("backwards", "GET", "/v2/{name}/blobs/{layer}", 200, Range: "bytes=10-5", ReferenceStatus: 416),
            new("open-ended", "GET", "/v2/{name}/blobs/{layer}", 206, Range: "bytes=2990-"),
            new("suffix", "GET", "/v2/{name}/blobs/{layer}", 206, Range: "bytes=-5"),
        ]),
        new("unknown", [
            .. Upload(Layer, "{layer}"),
            new("get-manifest", "GET", "/v2/{name}/manifests/nope", 404, Accept: PeerBlobs.ManifestType),
            new("head-manifest", "HEAD", "/v2/{name}/manifests/nope", 404, Accept: PeerBlobs.ManifestType),
            new("get-blob", "GET", "/v2/{name}/blobs/{missing}", 404),
            new("head-blob", "HEAD", "/v2/{name}/blobs/{missing}", 404),
            new("get-upload", "GET", "/v2/{name}/blobs/uploads/{unknown-upload}", 404),
            new("patch-upload", "PATCH", "/v2/{name}/blobs/uploads/{unknown-upload}", 404, Body: Layer[..10], ContentType: Octets, ContentRange: "0-9"),
            new("tags-of-unknown-repository", "GET", "/v2/{other}/tags/list", 404),
        ]),
        new("missing-blob", [
            .. Upload(PeerBlobs.Config, "{config}"),
            new("put-manifest", "PUT", "/v2/{name}/manifests/v1", 400, Body: PeerBlobs.ManifestWithMissingLayer, ContentType: PeerBlobs.ManifestType),
            new("get-manifest", "GET", "/v2/{name}/manifests/v1", 404, Accept: PeerBlobs.ManifestType),
        ]),
        new("deletes", [
            .. Upload(PeerBlobs.Config, "{config}"),
            .. Upload(Layer, "{layer}"),
            PutManifest("t1"),
            PutManifest("t2"),
            new("head-manifest", "HEAD", "/v2/{name}/manifests/t1", 200, Accept: PeerBlobs.ManifestType),
            new("get-by-digest", "GET", "/v2/{name}/manifests/{manifest}", 200, Accept: PeerBlobs.ManifestType),
            new("delete-tag", "DELETE", "/v2/{name}/manifests/t1", 202, ReferenceStatus: 400),
            new("tag-gone", "GET", "/v2/{name}/manifests/t1", 404, Accept: PeerBlobs.ManifestType, ReferenceStatus: 200),
            new("other-tag-stays", "GET", "/v2/{name}/manifests/t2", 200, Accept: PeerBlobs.ManifestType),
            new("delete-manifest", "DELETE", "/v2/{name}/manifests/{manifest}", 202),
            new("all-tags-gone", "GET", "/v2/{name}/manifests/t2", 404, Accept: PeerBlobs.ManifestType),
            new("delete-again", "DELETE", "/v2/{name}/manifests/{manifest}", 404),
            new("delete-blob", "DELETE", "/v2/{name}/blobs/{layer}", 405, ReferenceStatus: 202),
            new("blob-stays", "HEAD", "/v2/{name}/blobs/{layer}", 200, ReferenceStatus: 404),
        ]),
        new("pagination", [
            .. Upload(PeerBlobs.Config, "{config}"),
            .. Upload(Layer, "{layer}"),
            PutManifest("d"), PutManifest("a"), PutManifest("c"), PutManifest("b"),
            new("all", "GET", "/v2/{name}/tags/list", 200, Tags: ["a", "b", "c", "d"]),
            new("first-page", "GET", "/v2/{name}/tags/list", 200, Query: "n=2", Tags: ["a", "b"]),
            new("next-page", "GET", "/v2/{name}/tags/list", 200, Query: "n=2&last=b", Tags: ["c", "d"]),
            new("past-the-last", "GET", "/v2/{name}/tags/list", 200, Query: "n=2&last=d", Tags: []),
        ]),
        new("mount", [
            .. Upload(Layer, "{layer}"),
            new("mount", "POST", "/v2/{other}/blobs/uploads/", 201, Query: "mount={layer}&from={name}"),
            new("mounted", "HEAD", "/v2/{other}/blobs/{layer}", 200),
            new("mount-missing", "POST", "/v2/{other}/blobs/uploads/", 202, Query: "mount={missing}&from={name}"),
        ]),
        new("referrers", [
            .. Upload(PeerBlobs.Config, "{config}"),
            .. Upload(Layer, "{layer}"),
            PutManifest("v1"),
            new("put-referrer", "PUT", "/v2/{name}/manifests/{referrer}", 201, Body: PeerBlobs.Referrer, ContentType: PeerBlobs.ManifestType),
            new("list-referrers", "GET", "/v2/{name}/referrers/{manifest}", 200, Accept: Index, ReferenceStatus: 404),
        ]),
    ];

    private static PeerStep Post(string label) => new(label, "POST", "/v2/{name}/blobs/uploads/", 202);

    /// <summary>POST then PUT with the whole body: the spec's monolithic upload in two requests.</summary>
    private static PeerStep[] Upload(byte[] body, string digest) =>
    [
        Post("open-" + digest.Trim('{', '}')),
        new("put-" + digest.Trim('{', '}'), "PUT", "{upload}", 201, Query: "digest=" + digest, Body: body, ContentType: Octets),
    ];

    private static PeerStep PutManifest(string tag) =>
        new("put-manifest-" + tag, "PUT", "/v2/{name}/manifests/" + tag, 201, Body: PeerBlobs.Manifest, ContentType: PeerBlobs.ManifestType);
}
