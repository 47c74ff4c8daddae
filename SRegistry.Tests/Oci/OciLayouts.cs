using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Oci;

/// <summary>One OCI image layout on disk: its folder, the tag in its index and the digests of what the tag names.</summary>
public sealed record OciLayout(string Folder, string Tag, string ManifestDigest, string ConfigDigest, string LayerDigest)
{
    /// <summary>Manifest, config and layer digests: every blob a copy must carry over unchanged.</summary>
    public IReadOnlyList<string> Digests => [ManifestDigest, ConfigDigest, LayerDigest];

    /// <summary>Where a blob of this layout lies (<c>blobs/sha256/&lt;hex&gt;</c>).</summary>
    public static string BlobPath(string folder, string digest) => Path.Combine(folder, "blobs", "sha256", digest["sha256:".Length..]);
}

/// <summary>
/// Writes OCI image layouts (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>) for the real-client tests:
/// a SIF artifact in the ORAS form the Singularity/Apptainer clients push (docs/protocol/oci.md#pull), and an ordinary
/// image with a gzip tar layer. Everything lives under one temp folder, deleted on dispose.
/// </summary>
public sealed class OciLayouts : IDisposable
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string SifConfigType = "application/vnd.sylabs.sif.config.v1+json";
    public const string SifLayerType = "application/vnd.sylabs.sif.layer.v1.sif";
    public const string ImageConfigType = "application/vnd.oci.image.config.v1+json";
    public const string TarGzipLayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    private readonly SifFiles sifs = new();

    public string Folder { get; } = Directory.CreateTempSubdirectory("sreg-oci-").FullName;

    /// <summary>An empty folder for a copy to land in (skopeo's <c>oci:</c> destination).</summary>
    public string NewFolder() => Path.Combine(Folder, Guid.NewGuid().ToString("N"));

    /// <summary>A SIF artifact: config <c>{"architecture","os",…}</c> and one layer that is a real SIF made by siftool.</summary>
    public async Task<OciLayout> SifArtifactAsync(string tag = "v1", long payloadBytes = 64 * 1024, string arch = "amd64")
    {
        var sif = await sifs.CreateAsync(payloadBytes, arch);
        var config = $$"""{"architecture":"{{arch}}","os":"linux","rootfs":{"type":"","diff_ids":null},"description":"","signed":false,"encrypted":false}""";
        return await WriteAsync(tag, SifConfigType, Encoding.UTF8.GetBytes(config), SifLayerType, await File.ReadAllBytesAsync(sif.Path));
    }

    /// <summary>An ordinary image: an OCI image config and one gzip-compressed tar layer holding one small file.</summary>
    public async Task<OciLayout> ImageAsync(string tag = "v1")
    {
        var layer = TarGzip("etc/motd", Encoding.UTF8.GetBytes($"hello from {Guid.NewGuid():N}\n"));
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Gunzip(layer)));
        var config = $$"""{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["{{diffId}}"]},"history":[{"created_by":"sregistry tests"}]}""";
        return await WriteAsync(tag, ImageConfigType, Encoding.UTF8.GetBytes(config), TarGzipLayerType, layer);
    }

    private async Task<OciLayout> WriteAsync(string tag, string configType, byte[] config, string layerType, byte[] layer)
    {
        var folder = NewFolder();
        Directory.CreateDirectory(Path.Combine(folder, "blobs", "sha256"));
        await File.WriteAllTextAsync(Path.Combine(folder, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var configDigest = await WriteBlobAsync(folder, config);
        var layerDigest = await WriteBlobAsync(folder, layer);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = Descriptor(configType, configDigest, config.Length),
            ["layers"] = new JsonArray(Descriptor(layerType, layerDigest, layer.Length)),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var manifestDigest = await WriteBlobAsync(folder, manifestBytes);
        var entry = Descriptor(ManifestType, manifestDigest, manifestBytes.Length);
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = new JsonArray(entry) };
        await File.WriteAllTextAsync(Path.Combine(folder, "index.json"), index.ToJsonString());
        return new OciLayout(folder, tag, manifestDigest, configDigest, layerDigest);
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static async Task<string> WriteBlobAsync(string folder, byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        await File.WriteAllBytesAsync(OciLayout.BlobPath(folder, digest), bytes);
        return digest;
    }

    private static byte[] TarGzip(string name, byte[] content)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), ModificationTime = DateTimeOffset.UnixEpoch });
        }
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(tar.ToArray());
        }
        return gzip.ToArray();
    }

    private static byte[] Gunzip(byte[] gzip)
    {
        using var output = new MemoryStream();
        using (var decompressor = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        {
            decompressor.CopyTo(output);
        }
        return output.ToArray();
    }

    public void Dispose()
    {
        sifs.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: temp folder.
        }
    }
}
