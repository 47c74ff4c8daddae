using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;

namespace SRegistry.Core.Storage;

/// <summary>The data folder's layout: back it up and you have backed up the registry.</summary>
public sealed class DataFolder
{
    public DataFolder(IOptions<RegistryOptions> options)
    {
        Root = options.Value.ResolveDataPath();
        Blobs = Path.Combine(Root, "blobs");
        Uploads = Path.Combine(Root, "uploads");
        Keys = Path.Combine(Root, "keys");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Blobs);
        Directory.CreateDirectory(Uploads);
        Directory.CreateDirectory(Keys);
    }

    public string Root { get; }
    public string Blobs { get; }
    public string Uploads { get; }
    public string Keys { get; }
}
