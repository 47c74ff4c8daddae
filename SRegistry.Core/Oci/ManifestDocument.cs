using System.Text.Json;

namespace SRegistry.Core.Oci;

/// <summary>One content descriptor inside a manifest: what it points at and, in an index, the platform's architecture.</summary>
public sealed record OciDescriptor(string MediaType, string Hex, long Size, string? Architecture);

/// <summary>
/// What the registry needs to know of a pushed manifest or index: its media type, the blobs or manifests it names, its
/// subject and artifact type for the referrers API. The bytes themselves are kept unchanged.
/// </summary>
public sealed record ManifestDocument(string MediaType, OciDescriptor? Config, IReadOnlyList<OciDescriptor> Layers,
    IReadOnlyList<OciDescriptor> Manifests, OciDescriptor? Subject, string? ArtifactType, string? AnnotationsJson)
{
    public const int MaxBytes = 4 * 1024 * 1024;

    public bool IsIndex => OciMediaTypes.IsIndex(MediaType);

    /// <summary>A Singularity SIF artifact: the SIF config and exactly one SIF layer (docs/protocol/oci.md#pull).</summary>
    public bool IsSifArtifact => Config?.MediaType == OciMediaTypes.SifConfig && Layers is [{ MediaType: OciMediaTypes.SifLayer }];

    /// <summary>
    /// Reads a pushed document. <paramref name="contentType"/> is the request's; when the body names its own media
    /// type the two must agree. Answers the document or why it is not a manifest this registry takes.
    /// </summary>
    public static OciOutcome<ManifestDocument> Parse(byte[] content, string? contentType)
    {
        try
        {
            using var json = JsonDocument.Parse(content);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid("a manifest is a JSON object");
            }
            if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 2)
            {
                return Invalid("schemaVersion must be 2");
            }
            var declared = Text(root, "mediaType");
            var type = MediaTypeOf(declared, contentType, root);
            if (type is null)
            {
                return Invalid($"unsupported or conflicting manifest media type (body '{declared}', request '{contentType}')");
            }
            var config = root.TryGetProperty("config", out var c) ? Descriptor(c) : null;
            var layers = Descriptors(root, "layers");
            var manifests = Descriptors(root, "manifests");
            var subject = root.TryGetProperty("subject", out var s) ? Descriptor(s) : null;
            if (OciMediaTypes.IsManifest(type) && config is null)
            {
                return Invalid("an image manifest needs a config descriptor");
            }
            if (layers is null || manifests is null || (root.TryGetProperty("subject", out _) && subject is null)
                || (root.TryGetProperty("config", out _) && config is null))
            {
                return Invalid("a descriptor is malformed: each needs mediaType, a sha256 digest and a size");
            }
            var annotations = root.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetRawText() : null;
            return new ManifestDocument(type, config, layers, manifests, subject, Text(root, "artifactType") ?? config?.MediaType, annotations);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return Invalid("the manifest is not valid JSON: " + e.Message);
        }
    }

    private static OciRefusal Invalid(string message) => new(OciCode.ManifestInvalid, message);

    private static string? MediaTypeOf(string? declared, string? contentType, JsonElement root)
    {
        var requested = contentType?.Split(';')[0].Trim();
        if (declared is not null && requested is { Length: > 0 } && declared != requested && requested != "application/json")
        {
            return null;
        }
        // Without a declared type the shape decides, as the image spec allows for documents predating the field.
        var type = declared ?? (requested is { Length: > 0 } and not "application/json" ? requested
            : root.TryGetProperty("manifests", out _) ? OciMediaTypes.ImageIndex : OciMediaTypes.ImageManifest);
        return OciMediaTypes.IsKnown(type) ? type : null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<OciDescriptor>? Descriptors(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var array))
        {
            return [];
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var list = new List<OciDescriptor>();
        foreach (var item in array.EnumerateArray())
        {
            if (Descriptor(item) is not { } descriptor)
            {
                return null;
            }
            list.Add(descriptor);
        }
        return list;
    }

    private static OciDescriptor? Descriptor(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || Text(element, "mediaType") is not { } type
            || OciNames.HexOf(Text(element, "digest")) is not { } hex
            || !element.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes < 0)
        {
            return null;
        }
        var arch = element.TryGetProperty("platform", out var platform) && platform.ValueKind == JsonValueKind.Object ? Text(platform, "architecture") : null;
        return new OciDescriptor(type, hex, bytes, arch);
    }
}
