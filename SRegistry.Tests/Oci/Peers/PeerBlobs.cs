using System.Security.Cryptography;
using System.Text;

namespace SRegistry.Tests.Oci.Peers;

/// <summary>
/// The bytes the peer sequences send, the same to both registries: a 3,000-byte layer, an image config, a manifest
/// naming both, a referrer whose subject is that manifest, and a manifest naming a blob nobody uploaded. An ordinary
/// image, not a SIF artifact: SRegistry checks that a SIF layer is a real SIF, and these sequences are about the protocol.
/// </summary>
public static class PeerBlobs
{
    public const string ManifestType = OciLayouts.ManifestType;

    public static readonly byte[] Layer = LayerBytes();
    public static readonly byte[] Config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
    public static readonly string LayerDigest = Digest(Layer);
    public static readonly string ConfigDigest = Digest(Config);
    public static readonly string MissingDigest = "sha256:" + new string('2', 64);
    public static readonly string WrongDigest = "sha256:" + new string('1', 64);
    public static readonly string UnknownUpload = "7d1c5a0e-4f53-4a8e-9a51-0c2b8f1e6d42";

    public static readonly byte[] Manifest = ManifestOf(ConfigDigest, Config.Length, LayerDigest, Layer.Length);
    public static readonly string ManifestDigest = Digest(Manifest);

    /// <summary>Names a layer that was never uploaded.</summary>
    public static readonly byte[] ManifestWithMissingLayer = ManifestOf(ConfigDigest, Config.Length, MissingDigest, 3000);

    /// <summary>An artifact whose subject is <see cref="Manifest"/>: what the referrers API lists.</summary>
    public static readonly byte[] Referrer = Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"" + ManifestType + "\",\"artifactType\":\"application/vnd.example.signature\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + ConfigDigest + "\",\"size\":" + Config.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + LayerDigest + "\",\"size\":" + Layer.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}],\"subject\":{\"mediaType\":\"" + ManifestType + "\",\"digest\":\"" + ManifestDigest + "\",\"size\":" + Manifest.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}");
    public static readonly string ReferrerDigest = Digest(Referrer);

    /// <summary>The placeholders of a step's path or query, for one sequence on one registry.</summary>
    public static string Resolve(string template, PeerSequence sequence) => template
        .Replace("{name}", sequence.Repository, StringComparison.Ordinal)
        .Replace("{other}", sequence.Other, StringComparison.Ordinal)
        .Replace("{layer}", LayerDigest, StringComparison.Ordinal)
        .Replace("{config}", ConfigDigest, StringComparison.Ordinal)
        .Replace("{manifest}", ManifestDigest, StringComparison.Ordinal)
        .Replace("{referrer}", ReferrerDigest, StringComparison.Ordinal)
        .Replace("{missing}", MissingDigest, StringComparison.Ordinal)
        .Replace("{wrong}", WrongDigest, StringComparison.Ordinal)
        .Replace("{unknown-upload}", UnknownUpload, StringComparison.Ordinal);

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] ManifestOf(string config, int configSize, string layer, int layerSize) => Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"{{ManifestType}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{config}}","size":{{configSize}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{layer}}","size":{{layerSize}}}]}""");

    private static byte[] LayerBytes()
    {
        // Fixed bytes (seeded): the same layer in every run, so a failure can be replayed by hand.
        var bytes = new byte[3000];
        new Random(18).NextBytes(bytes);
        return bytes;
    }
}
