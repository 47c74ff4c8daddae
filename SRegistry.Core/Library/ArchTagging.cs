using SRegistry.Core.Access;
using SRegistry.Core.Model;

namespace SRegistry.Core.Library;

/// <summary>
/// The per-architecture tag call (docs/protocol/library.md#l13): unlike the old arch-blind call it must name the
/// architecture, which <see cref="ImageCatalog.SetTagAsync"/> then checks against the image.
/// </summary>
public sealed class ArchTagging(ImageCatalog catalog)
{
    public async Task<Outcome<Image>> SetAsync(Principal who, string? containerId, string? arch, string? tag, string? imageId,
        CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(arch))
        {
            return Problem.Invalid("Arch is required");
        }
        return await catalog.SetTagAsync(who, containerId, arch, tag, imageId, ct);
    }
}
