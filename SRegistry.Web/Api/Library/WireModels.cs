using System.Text.Json.Serialization;
using SRegistry.Core.Library;
using SRegistry.Core.Uploads;

namespace SRegistry.Web.Api.Library;

// The library protocol's JSON objects (docs/protocol/library.md#objects). Every key is named explicitly: several are not plain camelCase.

public sealed class EntityWire
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("collections")] public IReadOnlyList<string> Collections { get; init; } = [];
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("quota")] public long Quota { get; init; }
    [JsonPropertyName("defaultPrivate")] public bool DefaultPrivate { get; init; }
    [JsonPropertyName("customData")] public string CustomData { get; init; } = "";
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("createdBy")] public string CreatedBy { get; init; } = "";
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("deletedAt")] public DateTimeOffset DeletedAt { get; init; }

    public static EntityWire From(EntityView e) => new()
    {
        Id = e.Id, Name = e.Name, Description = e.Description, DefaultPrivate = e.DefaultPrivate,
        CreatedAt = e.CreatedAt, UpdatedAt = e.CreatedAt,
    };
}

public sealed class CollectionWire
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("entity")] public string Entity { get; init; } = "";
    [JsonPropertyName("entityName")] public string EntityName { get; init; } = "";
    [JsonPropertyName("containers")] public IReadOnlyList<string> Containers { get; init; } = [];
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("private")] public bool Private { get; init; }
    [JsonPropertyName("customData")] public string CustomData { get; init; } = "";
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("createdBy")] public string CreatedBy { get; init; } = "";
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("deletedAt")] public DateTimeOffset DeletedAt { get; init; }
    [JsonPropertyName("owner")] public string Owner { get; init; } = "";

    public static CollectionWire From(CollectionView v) => new()
    {
        Id = v.Collection.Id, Name = v.Collection.Name, Description = v.Collection.Description, Entity = v.Collection.OwnerId,
        EntityName = v.OwnerName, Containers = v.ContainerIds, Private = v.Collection.IsPrivate, CreatedBy = v.Collection.OwnerId,
        CreatedAt = v.Collection.CreatedAt, UpdatedAt = v.Collection.UpdatedAt, Owner = v.Collection.OwnerId,
    };
}

public sealed class ContainerWire
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("fullDescription")] public string FullDescription { get; init; } = "";
    [JsonPropertyName("collection")] public string Collection { get; init; } = "";
    [JsonPropertyName("collectionName")] public string CollectionName { get; init; } = "";
    [JsonPropertyName("entity")] public string Entity { get; init; } = "";
    [JsonPropertyName("entityName")] public string EntityName { get; init; } = "";
    [JsonPropertyName("images")] public IReadOnlyList<string> Images { get; init; } = [];
    [JsonPropertyName("imageTags")] public IReadOnlyDictionary<string, string> ImageTags { get; init; } = new Dictionary<string, string>();
    [JsonPropertyName("archTags")] public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ArchTags { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("downloadCount")] public long DownloadCount { get; init; }
    [JsonPropertyName("stars")] public int Stars { get; init; }
    [JsonPropertyName("private")] public bool Private { get; init; }
    [JsonPropertyName("readOnly")] public bool ReadOnly { get; init; }
    [JsonPropertyName("customData")] public string CustomData { get; init; } = "";
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("createdBy")] public string CreatedBy { get; init; } = "";
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("deletedAt")] public DateTimeOffset DeletedAt { get; init; }

    public static ContainerWire From(ContainerView v) => new()
    {
        Id = v.Container.Id, Name = v.Container.Name, Description = v.Container.Description, Collection = v.Collection.Id,
        CollectionName = v.Collection.Name, Entity = v.Collection.OwnerId, EntityName = v.OwnerName, Images = v.ImageIds,
        ImageTags = v.ArchTags.SelectMany(a => a.Value.Select(t => (Arch: a.Key, Tag: t.Key, ImageId: t.Value)))
            .GroupBy(t => t.Tag).ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Arch == "amd64").First().ImageId),
        ArchTags = v.ArchTags, DownloadCount = v.Container.DownloadCount, Private = v.Collection.IsPrivate,
        ReadOnly = v.Container.IsReadOnly, CreatedAt = v.Container.CreatedAt, UpdatedAt = v.Container.UpdatedAt,
    };
}

public sealed class ImageWire
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("hash")] public string Hash { get; init; } = "";
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    [JsonPropertyName("container")] public string Container { get; init; } = "";
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("uploaded")] public bool Uploaded { get; init; }
    [JsonPropertyName("signed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Signed { get; init; }
    [JsonPropertyName("arch"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Arch { get; init; }
    [JsonPropertyName("fingerprints"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Fingerprints { get; init; }
    [JsonPropertyName("encrypted"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Encrypted { get; init; }
    [JsonPropertyName("customData")] public string CustomData { get; init; } = "";
    [JsonPropertyName("entity")] public string Entity { get; init; } = "";
    [JsonPropertyName("entityName")] public string EntityName { get; init; } = "";
    [JsonPropertyName("collection")] public string Collection { get; init; } = "";
    [JsonPropertyName("collectionName")] public string CollectionName { get; init; } = "";
    [JsonPropertyName("containerName")] public string ContainerName { get; init; } = "";
    [JsonPropertyName("containerDescription")] public string ContainerDescription { get; init; } = "";
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    [JsonPropertyName("containerStars")] public int ContainerStars { get; init; }
    [JsonPropertyName("containerDownloads")] public long ContainerDownloads { get; init; }
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("createdBy")] public string CreatedBy { get; init; } = "";
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; init; }
    [JsonPropertyName("deletedAt")] public DateTimeOffset DeletedAt { get; init; }

    public static ImageWire From(ImageView v) => new()
    {
        Id = v.Image.Id, Hash = v.Image.Hash, Description = v.Image.Description, Container = v.Container.Id, Size = v.Image.Size,
        Uploaded = v.Image.IsUploaded, Signed = v.Image.IsUploaded ? v.Image.IsSigned : null, Arch = v.Image.Arch,
        Fingerprints = string.IsNullOrEmpty(v.Image.SignerFingerprints) ? null : v.Image.SignerFingerprints.Split(' '),
        Entity = v.Collection.OwnerId, EntityName = v.OwnerName, Collection = v.Collection.Id, CollectionName = v.Collection.Name,
        ContainerName = v.Container.Name, ContainerDescription = v.Container.Description, Tags = v.Tags,
        ContainerDownloads = v.Container.DownloadCount, CreatedBy = v.Image.CreatedById, CreatedAt = v.Image.CreatedAt,
        UpdatedAt = v.Image.UpdatedAt,
    };
}

public sealed class SearchWire
{
    [JsonPropertyName("entity")] public IReadOnlyList<EntityWire> Entity { get; init; } = [];
    [JsonPropertyName("collection")] public IReadOnlyList<CollectionWire> Collection { get; init; } = [];
    [JsonPropertyName("container")] public IReadOnlyList<ContainerWire> Container { get; init; } = [];
    [JsonPropertyName("image")] public IReadOnlyList<ImageWire> Image { get; init; } = [];
}

public sealed record VersionWire(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("apiVersion")] string ApiVersion);

public sealed record QuotaWire(
    [property: JsonPropertyName("quotaTotal")] long QuotaTotal,
    [property: JsonPropertyName("quotaUsage")] long QuotaUsage);

public sealed record UploadCompleteWire(
    [property: JsonPropertyName("quota")] QuotaWire Quota,
    [property: JsonPropertyName("containerUrl")] string ContainerUrl)
{
    public static UploadCompleteWire From(UploadReceipt r) => new(new QuotaWire(r.Quota.TotalBytes, r.Quota.UsedBytes), r.ContainerPath);
}

public sealed record UploadUrlWire([property: JsonPropertyName("uploadURL")] string UploadUrl);

public sealed record MultipartWire(
    [property: JsonPropertyName("uploadID")] string UploadId,
    [property: JsonPropertyName("totalParts")] int TotalParts,
    [property: JsonPropertyName("partSize")] long PartSize,
    [property: JsonPropertyName("options")] IReadOnlyDictionary<string, string> Options);

public sealed record PartUrlWire([property: JsonPropertyName("presignedURL")] string PresignedUrl);

public sealed record UserInfoWire(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("realname")] string RealName,
    [property: JsonPropertyName("oidc_user_meta")] IReadOnlyDictionary<string, string> OidcUserMeta);

// Request bodies: only the meaningful fields; everything else the client sends is ignored.

public sealed class CreateEntityRequest : IJsonRequest
{
    public string? Name { get; set; }
}

public sealed class CreateCollectionRequest : IJsonRequest
{
    public string? Name { get; set; }
    public string? Entity { get; set; }
    public string? Description { get; set; }
    public bool? Private { get; set; }
}

public sealed class CreateContainerRequest : IJsonRequest
{
    public string? Name { get; set; }
    public string? Collection { get; set; }
    public string? Description { get; set; }
}

public sealed class CreateImageRequest : IJsonRequest
{
    public string? Hash { get; set; }
    public string? Container { get; set; }
    public string? Description { get; set; }
}

/// <summary>L11 and L13 bodies; Go sends capitalised names, and matching is case-insensitive.</summary>
public sealed class SetTagRequest : IJsonRequest
{
    public string? Arch { get; set; }
    public string? Tag { get; set; }
    [JsonPropertyName("ImageID")] public string? ImageId { get; set; }
}

public sealed class UploadImageRequest : IJsonRequest
{
    [JsonPropertyName("filesize")] public long FileSize { get; set; }
    [JsonPropertyName("sha256sum")] public string? Sha256Sum { get; set; }
    [JsonPropertyName("md5sum")] public string? Md5Sum { get; set; }
}

public sealed class MultipartStartRequest : IJsonRequest
{
    [JsonPropertyName("filesize")] public long FileSize { get; set; }
}

public sealed class MultipartPartRequest : IJsonRequest
{
    [JsonPropertyName("partSize")] public long PartSize { get; set; }
    [JsonPropertyName("uploadID")] public string? UploadId { get; set; }
    [JsonPropertyName("partNumber")] public int PartNumber { get; set; }
    [JsonPropertyName("sha256sum")] public string? Sha256Sum { get; set; }
}

public sealed class CompletedPartRequest
{
    [JsonPropertyName("partNumber")] public int PartNumber { get; set; }
    [JsonPropertyName("token")] public string? Token { get; set; }
}

/// <summary>U8's body lists every part, so it may be larger than other bodies: its limit grows with the largest image.</summary>
public sealed class MultipartCompleteRequest : IJsonRequest
{
    public static int MaxBytes(HttpContext context) => context.RequestServices.GetRequiredService<MultipartUploads>().CompletionBodyLimit;

    [JsonPropertyName("uploadID")] public string? UploadId { get; set; }
    [JsonPropertyName("completedParts")] public List<CompletedPartRequest>? CompletedParts { get; set; }
}

public sealed class MultipartAbortRequest : IJsonRequest
{
    [JsonPropertyName("uploadID")] public string? UploadId { get; set; }
}
