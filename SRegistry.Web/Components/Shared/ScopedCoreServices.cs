using FluentValidation;
using Microsoft.AspNetCore.Components.Authorization;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Components.Shared;

/// <summary>
/// How components reach Core: each call gets its own service scope (so its own DbContext, never shared across a
/// long-lived circuit) and a principal read fresh from the database, so a user disabled a moment ago is anonymous now.
/// </summary>
public sealed class ScopedCoreServices(IServiceScopeFactory scopes, AuthenticationStateProvider authentication)
{
    public async Task<Principal> PrincipalAsync(CancellationToken ct = default)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var userId = RegistryClaims.UserIdOf(state.User);
        if (userId is null)
        {
            return Principal.Anonymous;
        }
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserAccounts>().PrincipalForAsync(userId, ct);
    }

    public async Task<T> RunAsync<TService, T>(Func<TService, Principal, Task<T>> call, CancellationToken ct = default)
        where TService : notnull
    {
        var who = await PrincipalAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>(), who);
    }

    /// <summary>Adapts a Core validator to MudForm's per-field validation, so the form shows the same messages the API gives.</summary>
    /// <param name="quietWhenEmpty">While true, an empty text field is not reported: a dialog that just opened (and whose
    /// field lost focus to the dialog's focus trap) must not say "required" before anything was typed.</param>
    public Func<object, string, Task<IEnumerable<string>>> FieldValidator<TModel>(Func<bool>? quietWhenEmpty = null) => async (model, property) =>
    {
        if (quietWhenEmpty?.Invoke() == true && typeof(TModel).GetProperty(property)?.GetValue(model) is null or "")
        {
            return [];
        }
        await using var scope = scopes.CreateAsyncScope();
        var validator = scope.ServiceProvider.GetRequiredService<IValidator<TModel>>();
        var result = await validator.ValidateAsync(ValidationContext<TModel>.CreateWithOptions((TModel)model, o => o.IncludeProperties(property)));
        return result.Errors.Select(e => e.ErrorMessage).ToList();
    };

    /// <summary>The whole model against the same validator, before submitting.</summary>
    public async Task<IReadOnlyList<string>> ValidateAsync<TModel>(TModel model, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IValidator<TModel>>().ValidateAsync(model, ct);
        return result.Errors.Select(e => e.ErrorMessage).ToList();
    }
}
