using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;

namespace SRegistry.Web.Components.Shared;

/// <summary>The URL users type into the CLI: the configured public URL, else the one the browser used.</summary>
public sealed class ServerAddress(IOptions<RegistryOptions> options, NavigationManager navigation)
{
    public string BaseUrl => string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl)
        ? navigation.BaseUri.TrimEnd('/')
        : options.Value.PublicBaseUrl.TrimEnd('/');

    /// <summary>The host part, which <c>singularity remote add</c> and <c>library://</c> URLs use.</summary>
    public string Host => new Uri(BaseUrl).Authority;
}
