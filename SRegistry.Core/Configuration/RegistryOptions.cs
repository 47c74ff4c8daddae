using System.ComponentModel.DataAnnotations;

namespace SRegistry.Core.Configuration;

/// <summary>The <c>Registry</c> section of appsettings.json. Every value has a default that works for <c>dotnet run</c>.</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>Folder holding the database, blobs, uploads in progress and keys. Relative paths start at the working directory.</summary>
    [Required]
    public string DataPath { get; set; } = "data";

    /// <summary>The URL clients reach this server at; used in the discovery document and in every URL the server hands out. Empty: taken from the request.</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>
    /// Reverse proxies (addresses like <c>10.0.0.5</c> or CIDR ranges like <c>10.0.0.0/24</c>) whose
    /// <c>X-Forwarded-For/-Proto/-Host</c> headers are believed. Empty (the default): no one's are, not even loopback's.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Collection used for one-segment references (<c>library://alpine</c>).</summary>
    [Required, RegularExpression("^[a-z0-9]+(?:[_-][a-z0-9]+)*\\z")]
    public string DefaultCollection { get; set; } = "library";

    /// <summary>A push into a collection that does not exist creates it for the pusher.</summary>
    public bool AutoCreateCollections { get; set; } = true;

    /// <summary>Collections created by a push (or the UI's default) are private.</summary>
    public bool NewCollectionsPrivate { get; set; }

    /// <summary>Offer multipart uploads. Off, clients fall back to one single-part upload of the whole file.</summary>
    public bool MultipartUploads { get; set; } = true;

    /// <summary>
    /// Multipart part size the server asks clients for. An S3 store needs at least 5 MiB and uses that when this is
    /// smaller; the folder store takes parts down to 4 KiB.
    /// </summary>
    [Range(4L * 1024, 5L * 1024 * 1024 * 1024)]
    public long PartSizeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest image accepted, in bytes.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Default storage quota per user in bytes; 0 means unlimited.</summary>
    [Range(0L, long.MaxValue)]
    public long DefaultUserQuotaBytes { get; set; }

    /// <summary>Default storage quota per team in bytes (for collections charged to a team); 0 means unlimited.</summary>
    [Range(0L, long.MaxValue)]
    public long DefaultTeamQuotaBytes { get; set; }

    /// <summary>How long an upload URL may wait before the upload starts, and how long an unfinished upload is kept.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan UploadLifetime { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long a download URL stays valid; must outlast the slowest transfer.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan DownloadUrlLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long an image lookup may be answered from memory. Every write through this process clears it at once, so
    /// on a single node it is never stale; with several replicas, another replica's write is seen within this time
    /// (set it to a few seconds there). Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan LookupCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most image lookups kept in memory; past it the cache starts over. Size it to the images your users pull
    /// (docs/benchmarks.md gives the memory an entry takes).
    /// </summary>
    [Range(1, 10_000_000)]
    public int LookupCacheEntries { get; set; } = 100_000;

    /// <summary>
    /// Failed bearer-token checks one client address may make per <see cref="FailedTokenWindow"/>; past it that address's
    /// bad tokens are answered 429 until the window ends (valid tokens always pass). 0 switches the brake off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int FailedTokenLimit { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailedTokenWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often pulls counted in memory are written to the database (and once more at shutdown): pulls never write
    /// on the request path. A crash loses at most this much of the counts, never an image.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PullCountFlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most user IDs one key on the keyserver may carry; a key with more is refused before its signatures are checked.</summary>
    [Range(1, 10_000)]
    public int MaxUserIdsPerKey { get; set; } = 32;

    /// <summary>Most keys one account may have on the keyserver.</summary>
    [Range(1, 1_000_000)]
    public int MaxKeysPerAccount { get; set; } = 100;

    /// <summary>Usernames that are administrators whatever the identity provider says; checked again at every start.</summary>
    public string[] AdminUsers { get; set; } = [];

    /// <summary>Identity-provider group whose members are administrators.</summary>
    public string AdminGroup { get; set; } = "";

    /// <summary>How downloads from the folder store are served (<c>Registry:Downloads:Offload</c>).</summary>
    public DownloadOptions Downloads { get; set; } = new();

    /// <summary>How the library side points clients at the OCI registry (<c>Registry:Oci</c>).</summary>
    public OciOptions Oci { get; set; } = new();

    /// <summary>
    /// How long groups from an OIDC sign-in grant rights (<see cref="AdminGroup"/>): afterwards the user's tokens act with
    /// the rights set on this registry only, and browser sessions end, until the next sign-in refreshes the groups.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan GroupClaimsLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Whether an OIDC sign-in may take over a local account (token command, sregistry import) of the same username.
    /// Off: such a sign-in is refused with a page that says why. Sites moving from sregistry switch it on.
    /// </summary>
    public bool LinkLocalAccountsByUsername { get; set; }

    public string ResolveDataPath() => Path.GetFullPath(DataPath);
}
