namespace SRegistry.Core.Model;

/// <summary>
/// One entry of the audit trail: who did what to which thing, and when. Written by <c>AuditLog</c> in the same
/// transaction as the change it records; never updated or deleted by the registry.
/// </summary>
public sealed class AuditEvent
{
    public const int MaxTargetLength = 512;
    public const int MaxDetailsLength = 2048;

    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The acting user; null for the server itself (command line, background jobs).</summary>
    public string? UserId { get; set; }
    /// <summary>The acting user's name when it happened, so the trail reads without joins and survives renames.</summary>
    public string? Username { get; set; }
    /// <summary>One of <c>AuditActions</c>.</summary>
    public required string Action { get; set; }
    /// <summary>What was acted on, by name: <c>collection/container:tag</c>, a team name, a username…</summary>
    public required string Target { get; set; }
    /// <summary>What changed, in a few words (<c>private → public</c>, <c>3 blobs, 1.2 MiB</c>).</summary>
    public string? Details { get; set; }
    public string? RemoteAddress { get; set; }
}
