namespace SRegistry.Core.Oci;

/// <summary>The media types the OCI side names: documents it stores or derives, and the Singularity SIF artifact's parts.</summary>
public static class OciMediaTypes
{
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string SifConfig = "application/vnd.sylabs.sif.config.v1+json";
    public const string SifLayer = "application/vnd.sylabs.sif.layer.v1.sif";

    public static bool IsIndex(string mediaType) => mediaType is ImageIndex or DockerManifestList;

    public static bool IsManifest(string mediaType) => mediaType is ImageManifest or DockerManifest;

    public static bool IsKnown(string mediaType) => IsIndex(mediaType) || IsManifest(mediaType);
}
