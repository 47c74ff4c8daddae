namespace SRegistry.Core.Model;

public enum UploadKind { SinglePart, Multipart }

public enum UploadState { Open, Received }

/// <summary>An upload in progress for one image, bound to the user who started it. Kept in the database so any replica can continue it.</summary>
public sealed class UploadSession
{
    public string Id { get; set; } = Ids.New();
    public required string ImageId { get; set; }
    public Image? Image { get; set; }
    public required string UserId { get; set; }
    public UploadKind Kind { get; set; }
    public UploadState State { get; set; }
    public long ExpectedSize { get; set; }
    /// <summary>Bare lower-case hex the whole file must hash to.</summary>
    public required string ExpectedSha256 { get; set; }
    public long PartSize { get; set; }
    public int TotalParts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>The object store's own ID for this upload (an S3 multipart upload ID); null when bytes come through the app.</summary>
    public string? StoreUploadId { get; set; }
    public List<UploadPart> Parts { get; set; } = [];
}

public sealed class UploadPart
{
    public required string SessionId { get; set; }
    public int PartNumber { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}
