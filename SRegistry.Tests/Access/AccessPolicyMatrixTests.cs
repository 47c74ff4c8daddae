using SRegistry.Core.Access;
using SRegistry.Core.Model;

namespace SRegistry.Tests.Access;

/// <summary>The pure policy against the matrix, cell by cell.</summary>
public sealed class AccessPolicyMatrixTests
{
    private const string OwnerId = "owner", ReaderId = "reader", CrewId = "crew", ClubId = "club";

    public static TheoryData<bool, CollectionAction, Who> CollectionCells => AccessMatrix.CollectionCells();

    public static TheoryData<bool, TeamAction, Who> TeamCells => AccessMatrix.TeamCells();

    [Theory]
    [MemberData(nameof(CollectionCells))]
    public void Collection_actions_follow_the_matrix(bool isPrivate, CollectionAction action, Who who)
    {
        var collection = new CollectionFacts(OwnerId, isPrivate, new HashSet<string> { CrewId }, new HashSet<string> { ReaderId });
        Assert.Equal(AccessMatrix.Expects(isPrivate, action, who), AccessPolicy.Can(PrincipalFor(who), action, collection));
    }

    [Theory]
    [MemberData(nameof(TeamCells))]
    public void Team_actions_follow_the_matrix(bool openTeam, TeamAction action, Who who)
    {
        var team = openTeam ? new TeamFacts(ClubId, TeamJoinMode.Open) : new TeamFacts(CrewId, TeamJoinMode.Invite);
        Assert.Equal(AccessMatrix.TeamAllowed[(openTeam, action)].Contains(who), AccessPolicy.Can(PrincipalFor(who), action, team));
    }

    public static TheoryData<bool, ChargeAction, Who> ChargeCells => AccessMatrix.ChargeCells();

    [Theory]
    [MemberData(nameof(ChargeCells))]
    public void Charge_actions_follow_the_matrix(bool isPrivate, ChargeAction action, Who who)
    {
        var collection = new CollectionFacts(OwnerId, isPrivate, new HashSet<string> { CrewId }, new HashSet<string> { ReaderId });
        var crew = new TeamFacts(CrewId, TeamJoinMode.Invite);
        var principal = PrincipalFor(who);
        // Whatever the policy says, what one cannot see one cannot change: the services check visibility first.
        var allowed = AccessPolicy.Can(principal, CollectionAction.View, collection) && (action == ChargeAction.ChargeToTeam
            ? AccessPolicy.CanChargeToTeam(principal, collection, crew)
            : AccessPolicy.CanStopChargingTeam(principal, collection, crew));
        Assert.Equal(AccessMatrix.ChargeAllowed[(isPrivate, action)].Contains(who), allowed);
    }

    [Fact]
    public void Someone_who_owns_both_the_collection_and_the_team_may_charge_it_to_the_team()
    {
        var collection = new CollectionFacts("both", IsPrivate: true, new HashSet<string> { CrewId }, CollectionFacts.None);
        var owner = User("both", teams: [CrewId], owns: [CrewId]);
        Assert.True(AccessPolicy.CanChargeToTeam(owner, collection, new TeamFacts(CrewId, TeamJoinMode.Invite)));
    }

    public static TheoryData<RegistryAction, Who> RegistryCells => AccessMatrix.RegistryCells();

    [Theory]
    [MemberData(nameof(RegistryCells))]
    public void Registry_actions_follow_the_matrix(RegistryAction action, Who who)
    {
        var principal = PrincipalFor(who);
        var allowed = action switch
        {
            RegistryAction.CreateCollection => AccessPolicy.CanCreateCollection(principal),
            RegistryAction.CreateTeam => AccessPolicy.CanCreateTeam(principal),
            _ => AccessPolicy.CanAdminister(principal),
        };
        Assert.Equal(AccessMatrix.RegistryAllowed[action].Contains(who), allowed);
    }

    /// <summary>Disabled users and dead tokens reach the policy as anonymous: that is what the user directory and token check hand over.</summary>
    internal static Principal PrincipalFor(Who who) => who switch
    {
        Who.Stranger => User("stranger"),
        Who.TeamMember => User("member", teams: [CrewId]),
        Who.TeamOwner => User("teamowner", teams: [CrewId], owns: [CrewId]),
        Who.CollectionOwner => User(OwnerId),
        Who.CollectionReader => User(ReaderId),
        Who.Admin => User("admin") with { IsAdmin = true },
        _ => Principal.Anonymous,
    };

    private static Principal User(string id, string[]? teams = null, string[]? owns = null) =>
        new(id, id, false, (teams ?? []).ToHashSet(), (owns ?? []).ToHashSet());
}
