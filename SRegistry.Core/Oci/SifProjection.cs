using System.Security.Cryptography;
using System.Text.Json;
using SRegistry.Core.Library;
using SRegistry.Core.Model;

namespace SRegistry.Core.Oci;

/// <summary>
/// A library image as the Singularity clients' OCI form of it (docs/protocol/oci.md#sif-artifact): a config blob, a
/// manifest whose one layer is the SIF file itself, and per tag an index naming one manifest per architecture. All are
/// computed from the image's own fields with a fixed property order and no whitespace, so their digests are the same
/// on every request, replica and restart; nothing about them is stored.
/// </summary>
public static class SifProjection
{
    public const string Os = "linux";

    /// <summary>The config blob: what the clients check (<c>architecture</c>) and the image's description and signing state.</summary>
    public static byte[] Config(Image image) => Write(json =>
    {
        json.WriteString("architecture", image.Arch);
        json.WriteString("os", Os);
        json.WriteStartObject("rootfs");
        json.WriteString("type", "layers");
        json.WriteStartArray("diff_ids");
        json.WriteStringValue(LayerDigest(image));
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteString("description", image.Description);
        json.WriteBoolean("signed", image.IsSigned);
        json.WriteBoolean("encrypted", false);
    });

    public static OciDocument Manifest(Image image)
    {
        var config = Config(image);
        return new OciDocument(OciMediaTypes.ImageManifest, Write(json =>
        {
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", OciMediaTypes.ImageManifest);
            json.WriteStartObject("config");
            Descriptor(json, OciMediaTypes.SifConfig, Convert.ToHexStringLower(SHA256.HashData(config)), config.Length);
            json.WriteEndObject();
            json.WriteStartArray("layers");
            json.WriteStartObject();
            Descriptor(json, OciMediaTypes.SifLayer, ImageCatalog.HexOf(image.Hash), image.Size);
            json.WriteEndObject();
            json.WriteEndArray();
        }));
    }

    /// <summary>A tag's index: one manifest per architecture, in architecture order.</summary>
    public static OciDocument Index(IEnumerable<Image> images) => new(OciMediaTypes.ImageIndex, Write(json =>
    {
        json.WriteNumber("schemaVersion", 2);
        json.WriteString("mediaType", OciMediaTypes.ImageIndex);
        json.WriteStartArray("manifests");
        foreach (var image in images.OrderBy(i => i.Arch, StringComparer.Ordinal))
        {
            var manifest = Manifest(image);
            json.WriteStartObject();
            Descriptor(json, manifest.MediaType, manifest.Hex, manifest.Content.Length);
            json.WriteStartObject("platform");
            json.WriteString("architecture", image.Arch);
            json.WriteString("os", Os);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }));

    private static string LayerDigest(Image image) => OciNames.DigestOf(ImageCatalog.HexOf(image.Hash));

    private static void Descriptor(Utf8JsonWriter json, string mediaType, string hex, long size)
    {
        json.WriteString("mediaType", mediaType);
        json.WriteString("digest", OciNames.DigestOf(hex));
        json.WriteNumber("size", size);
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
