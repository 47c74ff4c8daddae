using SRegistry.Core.Quotas;

namespace SRegistry.Web.Components.Shared;

public static class Bytes
{
    /// <summary>1536 → "1.5 KiB": the same units the registry's messages use.</summary>
    public static string Format(long bytes) => ByteCount.Format(bytes);
}
