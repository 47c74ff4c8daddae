using SRegistry.Core.Access;
using SRegistry.Core.Model;
using SRegistry.Core.Statistics;

namespace SRegistry.Core.Library;

/// <summary>
/// The start of a download (docs/protocol/library.md#p1): the image a reference resolves to, once its upload has
/// finished, counted as a pull when it is handed out.
/// </summary>
public sealed class ImageDownloads(ImageCatalog catalog, PullCounter pulls)
{
    public async Task<Outcome<Image>> StartAsync(Principal who, string? reference, string? arch, CancellationToken ct = default)
    {
        var resolved = await catalog.ResolveAsync(who, reference, arch, ct);
        if (!resolved.Succeeded)
        {
            return new Problem(resolved.Failure, resolved.Message);
        }
        var image = resolved.Value!.Image;
        if (!image.IsUploaded)
        {
            return Problem.NotFound("the image has not finished uploading");
        }
        pulls.Record(image);
        return image;
    }
}
