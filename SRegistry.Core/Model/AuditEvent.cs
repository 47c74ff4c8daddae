namespace SRegistry.Core.Model;

/// <summary>Who did what, when and from where: pushes, deletes, token and team changes.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? UserId { get; set; }
    public required string Action { get; set; }
    public required string Subject { get; set; }
    public string? RemoteAddress { get; set; }
}
