using FluentValidation;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Naming;

namespace SRegistry.Core.Teams;

/// <summary>What a user asks for when creating a team.</summary>
public sealed class NewTeam
{
    public string Name { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public TeamJoinMode JoinMode { get; set; } = TeamJoinMode.Invite;
}

/// <summary>The rules for a new team, shared by the web form (as you type) and the service (before creating).</summary>
public sealed class NewTeamValidator : AbstractValidator<NewTeam>
{
    public const string TakenCode = "taken";
    public const int MaxDisplayNameLength = 100;

    public NewTeamValidator(RegistryDbContext db)
    {
        // Teams and users share the entity namespace of library references (library://entity/collection/container).
        RuleFor(t => t.Name).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("a name is required")
            .Must(NameRules.IsEntityName).WithMessage(NameRules.ContainerNameRule)
            .MustAsync(async (name, ct) => !await db.Teams.AnyAsync(t => t.Name == name, ct) && !await db.Users.AnyAsync(u => u.Username == name, ct))
            .WithErrorCode(TakenCode)
            .WithMessage(t => $"the name '{t.Name}' is already taken by a user or team");
        RuleFor(t => t.DisplayName).MaximumLength(MaxDisplayNameLength)
            .WithMessage($"the display name is longer than {MaxDisplayNameLength} characters");
        RuleFor(t => t.JoinMode).IsInEnum().WithMessage("join mode is open or invite");
    }
}
