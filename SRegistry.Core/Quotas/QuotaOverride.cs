using FluentValidation;

namespace SRegistry.Core.Quotas;

public enum QuotaChoice
{
    /// <summary>Follow the configured default (<c>Registry:DefaultUserQuotaBytes</c> or <c>DefaultTeamQuotaBytes</c>).</summary>
    Default,
    Unlimited,
    Limit,
}

public enum QuotaUnit { MiB, GiB, TiB }

/// <summary>What an admin sets for one user or team: the default, unlimited, or a limit in binary units.</summary>
public sealed class QuotaOverride
{
    public QuotaChoice Choice { get; set; }

    public decimal? Amount { get; set; }

    public QuotaUnit Unit { get; set; } = QuotaUnit.GiB;

    /// <summary>The stored override: null follows the default, 0 is unlimited.</summary>
    public long? ToBytes() => Choice switch
    {
        QuotaChoice.Unlimited => 0,
        QuotaChoice.Limit => (long)Math.Round(Amount!.Value * Multiplier(Unit)),
        _ => null,
    };

    /// <summary>The setting that shows a stored override in the form.</summary>
    public static QuotaOverride From(long? overrideBytes)
    {
        if (overrideBytes is null)
        {
            return new QuotaOverride { Choice = QuotaChoice.Default };
        }
        if (overrideBytes == 0)
        {
            return new QuotaOverride { Choice = QuotaChoice.Unlimited };
        }
        var unit = overrideBytes.Value >= Multiplier(QuotaUnit.TiB) ? QuotaUnit.TiB
            : overrideBytes.Value >= Multiplier(QuotaUnit.GiB) ? QuotaUnit.GiB : QuotaUnit.MiB;
        return new QuotaOverride { Choice = QuotaChoice.Limit, Unit = unit, Amount = Math.Round((decimal)overrideBytes.Value / Multiplier(unit), 3) };
    }

    internal static long Multiplier(QuotaUnit unit) => unit switch
    {
        QuotaUnit.MiB => 1L << 20,
        QuotaUnit.GiB => 1L << 30,
        _ => 1L << 40,
    };
}

/// <summary>The rules for a quota override, shared by the admin form (as you type) and the service (before saving).</summary>
public sealed class QuotaOverrideValidator : AbstractValidator<QuotaOverride>
{
    /// <summary>1 EiB: far beyond any disk, and far from overflowing a 64-bit byte count.</summary>
    public const long MaxBytes = 1L << 60;

    public QuotaOverrideValidator()
    {
        RuleFor(q => q.Choice).IsInEnum().WithMessage("choose the default, unlimited or a limit");
        RuleFor(q => q.Unit).IsInEnum().WithMessage("the unit is MiB, GiB or TiB");
        RuleFor(q => q.Amount).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("enter the limit, e.g. 50 (GiB)")
            .GreaterThan(0).WithMessage("the limit must be more than 0; choose unlimited for no limit")
            .Must((q, amount) => amount!.Value * QuotaOverride.Multiplier(q.Unit) >= 1).WithMessage("the limit must be at least one byte")
            .Must((q, amount) => amount!.Value <= (decimal)MaxBytes / QuotaOverride.Multiplier(q.Unit)).WithMessage("the limit is larger than 1 EiB")
            .When(q => q.Choice == QuotaChoice.Limit);
    }
}
