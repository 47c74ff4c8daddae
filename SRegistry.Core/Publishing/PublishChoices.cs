using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Library;

namespace SRegistry.Core.Publishing;

/// <summary>Whether a collection publishes to the shared folder: its own choice (null follows the site default), and who may change it.</summary>
public sealed record PublishChoice(bool? Own, bool SiteDefault, bool IsPrivate, bool CanChange, string Folder)
{
    public bool Publishes => !IsPrivate && (Own ?? SiteDefault);
}

/// <summary>The collection owner's switch for publishing (admins may use it too); the site default is <c>Registry:Publish:PublishByDefault</c>.</summary>
public sealed class PublishChoices(RegistryDbContext db, CollectionAccess access, IOptions<PublishOptions> options, TimeProvider clock,
    AuditLog audit)
{
    /// <summary>Null when publishing is off for the whole site; not found when the viewer cannot see the collection.</summary>
    public async Task<Outcome<PublishChoice?>> OfAsync(Principal who, string? collection, CancellationToken ct = default)
    {
        if (!options.Value.Enabled)
        {
            return (PublishChoice?)null;
        }
        var found = await access.FindVisibleAsync(who, collection, ct);
        if (found is null)
        {
            return Problem.NotFound($"collection '{collection}' not found");
        }
        var (c, facts, _) = found;
        return new PublishChoice(c.Publish, options.Value.PublishByDefault, c.IsPrivate, AccessPolicy.Can(who, CollectionAction.Edit, facts),
            options.Value.ResolvePath());
    }

    public async Task<Outcome<PublishChoice?>> SetAsync(Principal who, string? collection, bool? publish, CancellationToken ct = default)
    {
        var current = await OfAsync(who, collection, ct);
        if (!current.Succeeded || current.Value is null)
        {
            return current.Succeeded ? Problem.Invalid("publishing to a shared folder is not set up on this registry") : current;
        }
        if (!current.Value.CanChange)
        {
            return Problem.Forbidden($"only the owner of '{collection}' can change whether it is published");
        }
        var choice = current.Value;
        return await audit.ChangeAsync<PublishChoice?>(async () =>
        {
            await db.Collections.Where(c => c.Name == collection).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Publish, publish).SetProperty(c => c.UpdatedAt, clock.GetUtcNow()), ct);
            audit.Record(who, AuditActions.CollectionPublish, collection!,
                publish switch { true => "published", false => "not published", null => "registry default" });
            return choice with { Own = publish };
        }, ct);
    }
}
