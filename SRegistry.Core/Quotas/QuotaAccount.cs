namespace SRegistry.Core.Quotas;

public enum QuotaHolder { User, Team }

/// <summary>
/// Whose quota a collection's images count against: its owner's, or the assigned team's it is charged to.
/// Every collection is charged to exactly one account, so every stored byte is counted once.
/// </summary>
public sealed record QuotaAccount(QuotaHolder Holder, string Id, string Name)
{
    public override string ToString() => Holder == QuotaHolder.User ? $"user '{Name}'" : $"team '{Name}'";

    internal string GateKey => $"{Holder}:{Id}";
}

/// <summary>Bytes stored against a limit; a total of 0 means unlimited.</summary>
public sealed record QuotaUsage(long TotalBytes, long UsedBytes)
{
    public bool IsUnlimited => TotalBytes == 0;

    /// <summary>Used as a fraction of the total, 0..1 (over-quota accounts, after a quota was lowered, show as full).</summary>
    public double Fraction => IsUnlimited ? 0 : Math.Clamp((double)UsedBytes / TotalBytes, 0, 1);
}

/// <summary>An account's quota as the admin area and usage bars show it: the override (null: the default applies) and the default.</summary>
public sealed record AccountQuota(QuotaAccount Account, long? OverrideBytes, long DefaultBytes, QuotaUsage Usage)
{
    public bool UsesDefault => OverrideBytes is null;
}
