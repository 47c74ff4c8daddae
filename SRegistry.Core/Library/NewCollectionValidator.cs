using FluentValidation;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Library;

/// <summary>What a user asks for when creating a collection, from the web form or the library API.</summary>
public sealed class NewCollection
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public bool IsPrivate { get; set; }
}

/// <summary>The one set of rules for a new collection: the web form validates with it as you type, the API before creating.</summary>
public sealed class NewCollectionValidator : AbstractValidator<NewCollection>
{
    public const string TakenCode = "taken";
    public const int MaxDescriptionLength = 1024;

    public NewCollectionValidator(RegistryDbContext db)
    {
        RuleFor(c => c.Name).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("a name is required")
            .Must(NameRules.IsCollectionName).WithMessage(NameRules.CollectionNameRule)
            .MustAsync(async (name, ct) => !await db.Collections.AnyAsync(c => c.Name == name, ct))
            .WithErrorCode(TakenCode)
            .WithMessage(c => $"collection name '{c.Name}' is already taken; collection names are unique on this registry");
        RuleFor(c => c.Description).MaximumLength(MaxDescriptionLength)
            .WithMessage($"the description is longer than {MaxDescriptionLength} characters");
    }
}
