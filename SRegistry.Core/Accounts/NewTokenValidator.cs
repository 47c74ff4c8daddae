using FluentValidation;

namespace SRegistry.Core.Accounts;

/// <summary>What a user fills in to create an API token.</summary>
public sealed class NewToken
{
    public string Name { get; set; } = "";

    /// <summary>Days until it stops working; null for a token that does not expire.</summary>
    public int? ExpiresInDays { get; set; } = 90;
}

public sealed class NewTokenValidator : AbstractValidator<NewToken>
{
    public const int MaxNameLength = 64;
    public const int MaxDays = 3650;

    public NewTokenValidator()
    {
        RuleFor(t => t.Name).Cascade(CascadeMode.Stop)
            .Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("give the token a name, e.g. the machine it is for")
            .MaximumLength(MaxNameLength).WithMessage($"at most {MaxNameLength} characters")
            .Must(n => !n.Any(char.IsControl)).WithMessage("no control characters");
        RuleFor(t => t.ExpiresInDays).InclusiveBetween(1, MaxDays)
            .When(t => t.ExpiresInDays is not null)
            .WithMessage($"between 1 and {MaxDays} days, or no expiry");
    }
}
