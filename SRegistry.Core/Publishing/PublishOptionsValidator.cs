using Microsoft.Extensions.Options;

namespace SRegistry.Core.Publishing;

/// <summary>Refuses a bad layout or mode at startup, with the setting's name, rather than at the first push.</summary>
public sealed class PublishOptionsValidator : IValidateOptions<PublishOptions>
{
    public ValidateOptionsResult Validate(string? name, PublishOptions options)
    {
        if (PublishLayout.TryParse(options.Layout, out var problem) is null)
        {
            return ValidateOptionsResult.Fail($"Registry:Publish:Layout '{options.Layout}': {problem}");
        }
        return ValidateOptionsResult.Success;
    }
}
