using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core;
using SRegistry.Core.Access;
using SRegistry.Core.Keys;
using SRegistry.Core.Library;
using SRegistry.Tests.EndToEnd.KeyClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Access;

/// <summary>
/// The keyserver rows of the access matrix: the pure policy, and the same cells through <c>/pks/add</c> and the keys
/// page's service with real tokens and GnuPG keys. Callers without a working identity get 401 / unauthenticated.
/// </summary>
public sealed class KeyAccessMatrixTests : IClassFixture<AccessWorld>, IDisposable
{
    private readonly AccessWorld world;
    private readonly GnuPG gpg = new();

    public KeyAccessMatrixTests(AccessWorld world)
    {
        Assert.SkipUnless(SifFiles.SiftoolAvailable && GnuPG.Available, "siftool or gnupg is not installed");
        this.world = world;
    }

    public static TheoryData<KeyAction, Who> KeyCells => AccessMatrix.KeyCells();

    public static TheoryData<Who> Everyone => [.. Enum.GetValues<Who>()];

    [Theory]
    [MemberData(nameof(KeyCells))]
    public void Key_actions_follow_the_matrix_in_the_policy(KeyAction action, Who who)
    {
        var key = new KeyFacts("owner");
        Assert.Equal(AccessMatrix.KeyAllowed[action].Contains(who), AccessPolicy.Can(AccessPolicyMatrixTests.PrincipalFor(who), action, key));
    }

    [Theory]
    [MemberData(nameof(Everyone))]
    public async Task Publishing_a_new_key_needs_a_working_identity_and_finding_it_needs_none(Who who)
    {
        Assert.Equal(AccessMatrix.PublishKeyAllowed.Contains(who), AccessPolicy.CanPublishKey(AccessPolicyMatrixTests.PrincipalFor(who)));
        var fingerprint = await gpg.GenerateAsync($"Publish {who} <publish.{who}@example.org>".ToLowerInvariant());

        var push = await PushAsync(who, await gpg.ExportAsync(fingerprint));

        var allowed = AccessMatrix.PublishKeyAllowed.Contains(who);
        Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, push.StatusCode);
        var lookup = await world.Client().GetAsync($"pks/lookup?op=get&search=0x{fingerprint}");
        Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Theory]
    [MemberData(nameof(KeyCells))]
    public async Task Key_actions_through_the_keyserver_and_the_keys_page(KeyAction action, Who who)
    {
        var fingerprint = await gpg.GenerateAsync($"Olive {action} {who} <olive.{action}.{who}@example.org>".ToLowerInvariant());
        var published = await gpg.ExportAsync(fingerprint);
        Assert.Equal(HttpStatusCode.OK, (await PushAsync(Who.CollectionOwner, published)).StatusCode);
        var allowed = AccessMatrix.KeyAllowed[action].Contains(who);
        var identified = !AccessMatrix.Unidentified.Contains(who);

        if (action == KeyAction.Update)
        {
            await gpg.AddUserIdAsync(fingerprint, $"Olive Extra {who} <olive.extra.{who}@example.org>".ToLowerInvariant());
            var push = await PushAsync(who, await gpg.ExportAsync(fingerprint));
            Assert.Equal(allowed ? HttpStatusCode.OK : identified ? HttpStatusCode.Conflict : HttpStatusCode.Unauthorized, push.StatusCode);
            var stored = await (await world.Client().GetAsync($"pks/lookup?op=get&search=0x{fingerprint}")).Content.ReadAsStringAsync();
            Assert.Equal(allowed, stored != published);
        }
        else
        {
            var principal = await world.PrincipalOfAsync(who);
            var removed = await world.InScopeAsync(sp => sp.GetRequiredService<PublishedKeys>().RemoveAsync(principal, fingerprint));
            Assert.True(allowed == removed.Succeeded, $"{who} {action}: {removed.Failure} {removed.Message}");
            if (!allowed)
            {
                Assert.Equal(identified ? Failure.Forbidden : Failure.Unauthenticated, removed.Failure);
            }
            var lookup = await world.Client().GetAsync($"pks/lookup?op=get&search=0x{fingerprint}");
            Assert.Equal(allowed ? HttpStatusCode.NotFound : HttpStatusCode.OK, lookup.StatusCode);
        }
    }

    private Task<HttpResponseMessage> PushAsync(Who who, string keyText) =>
        world.Client(world.Tokens[who]).PostAsync("pks/add", new FormUrlEncodedContent([new("keytext", keyText)]));

    public void Dispose() => gpg.Dispose();
}
