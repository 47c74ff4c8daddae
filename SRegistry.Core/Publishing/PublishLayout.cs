using System.Text.RegularExpressions;

namespace SRegistry.Core.Publishing;

/// <summary>
/// Turns a tag into its path under the publish folder. The names it fills in are already limited by the naming rules
/// (lower-case letters, digits, <c>-_.</c>; no <c>/</c>), so the layout alone decides the folders.
/// </summary>
public sealed partial class PublishLayout
{
    public const string DefaultTemplate = "{collection}/{container}/{container}_{tag}.sif";

    private static readonly string[] Known = ["entity", "collection", "container", "tag", "arch"];

    private readonly string template;

    private PublishLayout(string template) => this.template = template;

    public bool HasArch => template.Contains("{arch}", StringComparison.Ordinal);

    /// <summary>The layout if it is usable, else null with why.</summary>
    public static PublishLayout? TryParse(string? template, out string problem)
    {
        problem = "";
        template = (template ?? "").Trim();
        var unknown = Placeholder().Matches(template).Select(m => m.Groups[1].Value).FirstOrDefault(n => !Known.Contains(n));
        if (unknown is not null)
        {
            problem = $"unknown placeholder {{{unknown}}}; use {string.Join(", ", Known.Select(k => "{" + k + "}"))}";
        }
        else if (!template.Contains("{collection}", StringComparison.Ordinal) || !template.Contains("{container}", StringComparison.Ordinal)
                 || !template.Contains("{tag}", StringComparison.Ordinal))
        {
            problem = "the layout must contain {collection}, {container} and {tag}, so that every tag has its own file";
        }
        else if (template.StartsWith('/') || template.EndsWith('/') || template.Contains('\\', StringComparison.Ordinal)
                 || template.Split('/').Any(part => part is "" or "." or ".."))
        {
            problem = "the layout must be a relative path without empty, '.' or '..' parts";
        }
        else if (Placeholder().Replace(template, "").Any(c => char.IsControl(c)))
        {
            problem = "the layout contains control characters";
        }
        return problem.Length == 0 ? new PublishLayout(template) : null;
    }

    /// <summary>The relative path (with '/' separators) of one tag.</summary>
    public string PathOf(string entity, string collection, string container, string tag, string arch) => Placeholder().Replace(template, m => m.Groups[1].Value switch
    {
        "entity" => entity,
        "collection" => collection,
        "container" => container,
        "tag" => tag,
        _ => arch,
    });

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();
}
