namespace SRegistry.Core.Model;

/// <summary>How many pulls a container had on one UTC day: the series behind the container page's chart.</summary>
public sealed class ContainerPullDay
{
    public required string ContainerId { get; set; }
    public DateOnly Day { get; set; }
    public long Pulls { get; set; }
}
