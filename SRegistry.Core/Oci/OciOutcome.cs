namespace SRegistry.Core.Oci;

/// <summary>The OCI distribution spec's error codes that Core decides; the web side turns each into its status.</summary>
public enum OciCode
{
    None,
    Unauthorized,
    Denied,
    NameInvalid,
    NameUnknown,
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    SizeInvalid,
    ManifestInvalid,
    ManifestUnknown,
    ManifestBlobUnknown,
    TagInvalid,
    Unsupported,
    RangeInvalid,
    QuotaExceeded,
    StorageFull,
}

/// <summary>Why an OCI request is refused: one of the spec's codes and a message a user can act on.</summary>
public readonly record struct OciRefusal(OciCode Code, string Message)
{
    public static OciRefusal From(Problem problem, OciCode notFound) => new(problem.Failure switch
    {
        Failure.NotFound => notFound,
        Failure.Unauthenticated => OciCode.Unauthorized,
        Failure.Forbidden => OciCode.Denied,
        Failure.QuotaExceeded => OciCode.QuotaExceeded,
        Failure.StorageFull => OciCode.StorageFull,
        Failure.Conflict => OciCode.Denied,
        _ => OciCode.NameInvalid,
    }, problem.Message);
}

/// <summary>The result of an OCI service call: a value, or a refusal.</summary>
public readonly record struct OciOutcome<T>(T? Value, OciCode Code, string Message)
{
    public bool Succeeded => Code == OciCode.None;

    public OciRefusal Refusal => new(Code, Message);

    public static implicit operator OciOutcome<T>(T value) => new(value, OciCode.None, "");

    public static implicit operator OciOutcome<T>(OciRefusal refusal) => new(default, refusal.Code, refusal.Message);
}
