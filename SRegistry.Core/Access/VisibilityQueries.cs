using SRegistry.Core.Model;

namespace SRegistry.Core.Access;

/// <summary>
/// The database form of <see cref="AccessPolicy"/>'s View rule, so lists and search filter in SQL.
/// The access matrix tests check that both forms agree.
/// </summary>
public static class VisibilityQueries
{
    public static IQueryable<Collection> VisibleTo(this IQueryable<Collection> collections, Principal who)
    {
        if (who.IsAdmin)
        {
            return collections;
        }
        if (!who.IsAuthenticated)
        {
            return collections.Where(c => !c.IsPrivate);
        }
        var userId = who.UserId;
        var teamIds = who.TeamIds.ToList();
        return collections.Where(c => !c.IsPrivate || c.OwnerId == userId || c.Teams.Any(t => teamIds.Contains(t.TeamId))
                                      || c.Readers.Any(r => r.UserId == userId));
    }
}
