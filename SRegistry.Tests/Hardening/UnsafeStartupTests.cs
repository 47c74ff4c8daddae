using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Hardening;

/// <summary>
/// The published binary in Production with the development sign-in switched on: it refuses to start unless
/// <c>Authentication:DevelopmentSignIn:IUnderstandAnyoneCanSignIn=true</c> is also set, and then warns at every start.
/// </summary>
public sealed class UnsafeStartupTests
{
    [Fact]
    public async Task Without_the_acknowledgement_the_registry_does_not_start_and_says_why()
    {
        await using var registry = new RegistryProcess().With("Authentication__DevelopmentSignIn__Enabled", "true");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(registry.StartAsync);

        Assert.Contains("the registry exited with", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Refusing to start: Authentication:DevelopmentSignIn:Enabled is on in the Production environment", refused.Message, StringComparison.Ordinal);
        Assert.Contains("IUnderstandAnyoneCanSignIn=true", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_it_the_registry_starts_and_warns_at_every_start()
    {
        await using var registry = new RegistryProcess()
            .With("Authentication__DevelopmentSignIn__Enabled", "true")
            .With("Authentication__DevelopmentSignIn__IUnderstandAnyoneCanSignIn", "true");
        const string warning = "The development sign-in is ON in the Production environment: anyone can sign in as anyone.";

        await registry.StartAsync();
        Assert.Single(registry.Output, l => l.Contains(warning, StringComparison.Ordinal));
        Assert.Contains(registry.Output, l => l.StartsWith("warn: SRegistry.Startup", StringComparison.Ordinal));
        registry.Kill();
        await registry.StartAsync();

        Assert.Equal(2, registry.Output.Count(l => l.Contains(warning, StringComparison.Ordinal)));
        using var client = registry.Client();
        Assert.True((await client.GetAsync("signin/dev")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_plain_production_default_starts_without_any_warning()
    {
        await using var registry = new RegistryProcess();

        await registry.StartAsync();

        Assert.DoesNotContain(registry.Output, l => l.Contains("development sign-in", StringComparison.OrdinalIgnoreCase));
    }
}
