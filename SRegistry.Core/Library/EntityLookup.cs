using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>An entity (a user's or a team's namespace) by the path a client asks for (docs/protocol/library.md#l1).</summary>
public sealed class EntityLookup(LibraryEntities entities)
{
    public async Task<Outcome<EntityView>> FindAsync(string? path, CancellationToken ct = default)
    {
        var segments = LibraryRef.SplitPath(path);
        if (segments.Length != 1 || !NameRules.IsEntityName(segments[0]))
        {
            return Problem.Invalid($"invalid entity name: {NameRules.ContainerNameRule}");
        }
        var entity = await entities.FindEntityAsync(segments[0], ct);
        return entity is null ? Problem.NotFound($"entity '{segments[0]}' not found") : entity;
    }
}
