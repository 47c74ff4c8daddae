using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Admin;
using SRegistry.Core.Browsing;
using SRegistry.Core.Library;
using SRegistry.Core.Model;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Core.Teams;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// The access matrix through the Core services the web UI calls, with the principal the app builds for each caller
/// (a disabled user or a dead token is anonymous). Allowed → success; invisible → not found; visible but not allowed → refused.
/// </summary>
public sealed class ServiceAccessMatrixTests : IClassFixture<AccessWorld>
{
    private readonly AccessWorld world;

    public ServiceAccessMatrixTests(AccessWorld world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");
        this.world = world;
    }

    public static TheoryData<bool, CollectionAction, Who> CollectionCells => AccessMatrix.CollectionCells();

    public static TheoryData<bool, TeamAction, Who> TeamCells => AccessMatrix.TeamCells();

    public static TheoryData<RegistryAction, Who> RegistryCells => AccessMatrix.RegistryCells();

    [Theory]
    [MemberData(nameof(CollectionCells))]
    public async Task Collection_actions_through_the_dashboard_services(bool isPrivate, CollectionAction action, Who who)
    {
        var principal = await world.PrincipalOfAsync(who);
        var name = AccessWorld.CollectionName(isPrivate);
        if (action == CollectionAction.Delete)
        {
            name = await CreateDoomedCollectionAsync(isPrivate, who);
        }
        Outcome<bool> outcome = action switch
        {
            CollectionAction.View => Succeeded(await Run<CollectionBrowsing, Outcome<CollectionDetails>>(d => d.DetailsAsync(principal, name))),
            CollectionAction.Pull => Succeeded(await Run<ContainerBrowsing, Outcome<ContainerDetails>>(d => d.DetailsAsync(principal, name, "img"))),
            CollectionAction.Edit => await Run<CollectionBrowsing, Outcome<bool>>(async d =>
            {
                var current = await d.DetailsAsync(AdminPrincipal, name);
                return await d.UpdateAsync(principal, name, current.Value!.Description, current.Value.IsPrivate);
            }),
            CollectionAction.Delete => Succeeded(await Run<CollectionBrowsing, Outcome<int>>(d => d.DeleteAsync(principal, name))),
            CollectionAction.AssignTeams => await Run<TeamService, Outcome<bool>>(t => t.AssignAsync(principal, name, "crew", assign: true)),
            CollectionAction.ManageReaders => await ChangeThenUndoAsync(
                () => Run<CollectionReaders, Outcome<bool>>(r => r.SetAsync(principal, name, "tara", reader: true)),
                () => Run<CollectionReaders, Outcome<bool>>(r => r.SetAsync(principal, name, "tara", reader: false))),
            CollectionAction.Star => await ChangeThenUndoAsync(
                async () => Succeeded(await Run<CollectionStars, Outcome<StarState>>(s => s.SetAsync(principal, name, starred: true))),
                async () => Succeeded(await Run<CollectionStars, Outcome<StarState>>(s => s.SetAsync(principal, name, starred: false)))),
            // Push and image deletion are library-protocol actions; the page only shows whether they are allowed.
            _ => await PageAllowsAsync(principal, name, action),
        };
        var visible = AccessMatrix.Expects(isPrivate, CollectionAction.View, who);
        AssertFollowsMatrix(outcome, AccessMatrix.Expects(isPrivate, action, who), visible, $"{who} {action} on {name}");
        if (action == CollectionAction.Delete)
        {
            var gone = !(await Run<CollectionBrowsing, Outcome<CollectionDetails>>(d => d.DetailsAsync(AdminPrincipal, name))).Succeeded;
            Assert.Equal(outcome.Succeeded, gone);
        }
    }

    [Theory]
    [MemberData(nameof(TeamCells))]
    public async Task Team_actions_through_the_dashboard_services(bool openTeam, TeamAction action, Who who)
    {
        var principal = await world.PrincipalOfAsync(who);
        var name = openTeam ? "club" : "crew";
        var teamId = world.TeamIds[name];
        Outcome<bool> outcome = action switch
        {
            TeamAction.View => Succeeded(await Run<TeamBrowsing, Outcome<TeamDetails>>(d => d.DetailsAsync(principal, name))),
            TeamAction.Join => Succeeded(await Run<TeamService, Outcome<TeamMember>>(t => t.JoinAsync(principal, teamId))),
            TeamAction.ViewUsage => Succeeded(await Run<QuotaAdministration, Outcome<AccountQuota>>(q => q.TeamAsync(principal, name))),
            _ => await Run<TeamService, Outcome<bool>>(t => t.UpdateAsync(principal, teamId, openTeam ? "Club" : "Crew",
                openTeam ? TeamJoinMode.Open : TeamJoinMode.Invite)),
        };
        if (action == TeamAction.Join && outcome.Succeeded)
        {
            // Leave again so the next cell starts from the same world.
            var left = await Run<TeamService, Outcome<bool>>(t => t.RemoveMemberAsync(principal, teamId, principal.UserId!));
            Assert.True(left.Succeeded, left.Message);
        }
        AssertFollowsMatrix(outcome, AccessMatrix.TeamAllowed[(openTeam, action)].Contains(who), visible: true, $"{who} {action} on {name}");
    }

    [Theory]
    [MemberData(nameof(RegistryCells))]
    public async Task Registry_actions_through_the_dashboard_services(RegistryAction action, Who who)
    {
        var principal = await world.PrincipalOfAsync(who);
        var fresh = $"{action}-{who}".ToLowerInvariant();
        var tara = world.UserIds["tara"];
        Outcome<bool> outcome = action switch
        {
            RegistryAction.CreateCollection => Succeeded(await Run<LibraryCollections, Outcome<CollectionView>>(n =>
                n.CreateCollectionAsync(principal, null, fresh, "", false, fromPush: false))),
            RegistryAction.CreateTeam => Succeeded(await Run<TeamService, Outcome<Team>>(t => t.CreateAsync(principal, new NewTeam { Name = fresh }))),
            RegistryAction.ListUsers => Succeeded(await Run<UserAdministration, Outcome<Paged<UserSummary>>>(a => a.UsersAsync(principal, null))),
            RegistryAction.DisableUser => await Run<UserAdministration, Outcome<bool>>(a => a.SetDisabledAsync(principal, tara, false)),
            RegistryAction.SetUserQuota => Succeeded(await Run<QuotaAdministration, Outcome<AccountQuota>>(q => q.SetUserQuotaAsync(principal, tara, new QuotaOverride()))),
            RegistryAction.SetTeamQuota => Succeeded(await Run<QuotaAdministration, Outcome<AccountQuota>>(q =>
                q.SetTeamQuotaAsync(principal, world.TeamIds["club"], new QuotaOverride()))),
            RegistryAction.CollectGarbage => Succeeded(await Run<GarbageCollector, Outcome<GarbageReport>>(g => g.CollectAsync(principal, dryRun: true))),
            _ => await Run<UserAdministration, Outcome<bool>>(a => a.SetAdminAsync(principal, tara, false)),
        };
        var allowed = AccessMatrix.RegistryAllowed[action].Contains(who);
        Assert.True(allowed == outcome.Succeeded, $"{who} {action}: expected {(allowed ? "success" : "refusal")}, got {outcome.Failure} {outcome.Message}");
        if (!allowed)
        {
            // The admin area does not exist for non-admins; creating needs a signed-in user.
            var isAdminAction = action is not (RegistryAction.CreateCollection or RegistryAction.CreateTeam);
            Assert.Equal(isAdminAction ? Failure.NotFound : Failure.Unauthenticated, outcome.Failure);
        }
    }

    public static TheoryData<bool, ChargeAction, Who> ChargeCells => AccessMatrix.ChargeCells();

    [Theory]
    [MemberData(nameof(ChargeCells))]
    public async Task Charge_actions_through_the_dashboard_services(bool isPrivate, ChargeAction action, Who who)
    {
        var principal = await world.PrincipalOfAsync(who);
        var name = AccessWorld.CollectionName(isPrivate);
        await ChargeAsAdminAsync(name, action == ChargeAction.ChargeToTeam ? null : "crew");
        try
        {
            var outcome = Succeeded(await Run<QuotaAdministration, Outcome<CollectionCharge>>(q =>
                q.ChargeToAsync(principal, name, action == ChargeAction.ChargeToTeam ? "crew" : null)));
            AssertFollowsMatrix(outcome, AccessMatrix.ChargeAllowed[(isPrivate, action)].Contains(who),
                AccessMatrix.Expects(isPrivate, CollectionAction.View, who), $"{who} {action} on {name}");
            var charged = await Run<QuotaAdministration, Outcome<CollectionCharge>>(q => q.ChargeOfAsync(AdminPrincipal, name));
            var expectTeam = (action == ChargeAction.ChargeToTeam) == outcome.Succeeded;
            Assert.Equal(expectTeam ? QuotaHolder.Team : QuotaHolder.User, charged.Value!.ChargedTo.Holder);
        }
        finally
        {
            await ChargeAsAdminAsync(name, null);
        }
    }

    private async Task ChargeAsAdminAsync(string collection, string? team)
    {
        var admin = await world.PrincipalOfAsync(Who.Admin);
        var charged = await Run<QuotaAdministration, Outcome<CollectionCharge>>(q => q.ChargeToAsync(admin, collection, team));
        Assert.True(charged.Succeeded, charged.Message);
    }

    private static Principal AdminPrincipal => new("ada-id", "ada", true, new HashSet<string>(), new HashSet<string>());

    private static void AssertFollowsMatrix(Outcome<bool> outcome, bool allowed, bool visible, string cell)
    {
        Assert.True(allowed == outcome.Succeeded, $"{cell}: expected {(allowed ? "success" : "refusal")}, got {outcome.Failure} {outcome.Message}");
        if (!allowed && !visible)
        {
            Assert.True(outcome.Failure == Failure.NotFound, $"{cell}: invisible things must be not found, got {outcome.Failure}");
        }
        else if (!allowed)
        {
            Assert.Contains(outcome.Failure, new[] { Failure.Forbidden, Failure.Unauthenticated, Failure.Conflict });
        }
    }

    private async Task<Outcome<bool>> PageAllowsAsync(Principal principal, string name, CollectionAction action)
    {
        var page = await Run<CollectionBrowsing, Outcome<CollectionDetails>>(d => d.DetailsAsync(principal, name));
        if (!page.Succeeded)
        {
            return new Problem(page.Failure, page.Message);
        }
        var container = await Run<ContainerBrowsing, Outcome<ContainerDetails>>(d => d.DetailsAsync(principal, name, "img"));
        var shown = action == CollectionAction.Push ? page.Value!.CanPush : container.Value!.CanDelete;
        return shown ? true : Problem.Forbidden("not offered");
    }

    private async Task<string> CreateDoomedCollectionAsync(bool isPrivate, Who who)
    {
        var name = $"doomed-{(isPrivate ? "p" : "o")}-{who}".ToLowerInvariant();
        var olive = await world.PrincipalOfAsync(Who.CollectionOwner);
        var created = await Run<LibraryCollections, Outcome<CollectionView>>(n => n.CreateCollectionAsync(olive, null, name, "", isPrivate, fromPush: false));
        Assert.True(created.Succeeded, created.Message);
        var assigned = await Run<TeamService, Outcome<bool>>(t => t.AssignAsync(olive, name, "crew", assign: true));
        Assert.True(assigned.Succeeded, assigned.Message);
        var reader = await Run<CollectionReaders, Outcome<bool>>(r => r.SetAsync(olive, name, "rita", reader: true));
        Assert.True(reader.Succeeded, reader.Message);
        return name;
    }

    /// <summary>Runs a change and, when it was allowed, its undo, so every cell starts from the same world.</summary>
    private static async Task<Outcome<bool>> ChangeThenUndoAsync(Func<Task<Outcome<bool>>> change, Func<Task<Outcome<bool>>> undo)
    {
        var outcome = await change();
        if (outcome.Succeeded)
        {
            var undone = await undo();
            Assert.True(undone.Succeeded, undone.Message);
        }
        return outcome;
    }

    private static Outcome<bool> Succeeded<T>(Outcome<T> outcome) => outcome.Succeeded ? true : new Problem(outcome.Failure, outcome.Message);

    private Task<T> Run<TService, T>(Func<TService, Task<T>> call) where TService : notnull =>
        world.InScopeAsync(sp => call(sp.GetRequiredService<TService>()));
}
