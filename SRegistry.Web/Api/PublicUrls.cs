using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;

namespace SRegistry.Web.Api;

/// <summary>
/// Absolute URLs the server hands out. The configured public base URL wins over the request's Host header,
/// so URLs stay right behind a reverse proxy (docs/protocol/library.md#hosting). Never ends with a slash (docs/protocol/library.md#paths).
/// </summary>
public sealed class PublicUrls(IOptions<RegistryOptions> options)
{
    public string BaseUrl(HttpRequest request)
    {
        var configured = options.Value.PublicBaseUrl;
        return string.IsNullOrWhiteSpace(configured)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/')
            : configured.TrimEnd('/');
    }
}
