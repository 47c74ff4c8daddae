namespace SRegistry.Web.Hosting;

/// <summary>
/// A setting that holds a list of addresses: as a list (<c>Key__0=…</c>, a JSON array) or as one value separated by
/// commas or spaces (<c>Key="a, b"</c>), the form an environment file most easily takes. The binder alone reads only
/// the first form and would silently drop the second.
/// </summary>
public static class ListSetting
{
    public static IEnumerable<string> Entries(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var single = section.Value?.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return single.Concat(section.GetChildren().Select(c => c.Value ?? ""));
    }
}
