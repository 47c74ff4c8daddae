namespace SRegistry.Core.Access;

/// <summary>Who is asking: anonymous, or a user with their admin flag and team memberships.</summary>
public sealed record Principal(string? UserId, string? Username, bool IsAdmin, IReadOnlySet<string> TeamIds, IReadOnlySet<string> OwnedTeamIds)
{
    public static readonly Principal Anonymous = new(null, null, false, new HashSet<string>(), new HashSet<string>());

    public bool IsAuthenticated => UserId is not null;
}
