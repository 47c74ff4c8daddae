namespace SRegistry.Core.Model;

public sealed class Container
{
    public string Id { get; set; } = Ids.New();
    public required string CollectionId { get; set; }
    public Collection? Collection { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public bool IsReadOnly { get; set; }
    public long DownloadCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<Image> Images { get; set; } = [];
    public List<Tag> Tags { get; set; } = [];
}
