using System.Diagnostics.Metrics;

namespace SRegistry.Core.Statistics;

/// <summary>
/// The registry's own events as .NET metrics (meter <c>SRegistry</c>, beside <see cref="Storage.TransferCounters"/>'
/// byte counters). Exported at <c>/metrics</c> by the web host; static because an event anywhere in Core counts
/// without every service taking one more dependency.
/// </summary>
public static class RegistryMetrics
{
    public const string MeterName = "SRegistry";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Pushes = Meter.CreateCounter<long>("pushes", description: "images published by a push");

    public static readonly Counter<long> Pulls = Meter.CreateCounter<long>("pulls", description: "image downloads started (one per pull, not per range)");

    public static readonly Counter<long> FailedTokenChecks = Meter.CreateCounter<long>("failed_token_checks",
        description: "bearer tokens refused as invalid, expired or revoked");

    public static readonly Counter<long> GarbageCollections = Meter.CreateCounter<long>("garbage_collections",
        description: "garbage collection runs (dry runs excluded)");
}
