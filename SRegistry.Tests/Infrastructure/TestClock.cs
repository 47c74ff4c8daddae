namespace SRegistry.Tests.Infrastructure;

/// <summary>System time plus an offset the test can move forward, to reach expiry without waiting.</summary>
public sealed class TestClock : TimeProvider
{
    private TimeSpan offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;

    public void Advance(TimeSpan by) => offset += by;
}
