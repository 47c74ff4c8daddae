namespace SRegistry.Core.Audit;

/// <summary>Where the current request came from, as the host saw it (after trusted proxies); null outside a request.</summary>
public sealed class AuditOrigin
{
    public string? RemoteAddress { get; set; }
}
