using System.ComponentModel.DataAnnotations;

namespace SRegistry.Core.Configuration;

/// <summary><c>Registry:Oci</c>: what the library side tells clients about the OCI registry (docs/protocol/oci.md#auth).</summary>
public sealed class OciOptions
{
    /// <summary>
    /// Answer <c>/v1/oci-redirect</c> with 200 and a registry token, which sends SingularityCE ≥ 3.11 and Apptainer ≥ 1.2
    /// to the OCI endpoints for that push or pull with no way back. Off: 404, and they stay on the library flow.
    /// </summary>
    public bool AdvertiseToLibraryClients { get; set; }

    /// <summary>Put <c>libraryAPI.registryUri</c> in <c>config.prod.json</c> (SingularityCE 4's OCI-SIF through <c>library://</c>).</summary>
    public bool AdvertiseRegistryUri { get; set; }

    /// <summary>
    /// How long a token handed out by <c>/v1/oci-redirect</c> lasts. The library clients keep it for the whole push or
    /// pull and never ask again, so it must outlast the slowest transfer (tokens from <c>/v2/token</c> last 5 minutes:
    /// OCI clients fetch a new one when it runs out).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan RedirectTokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
