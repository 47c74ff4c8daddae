using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;

namespace SRegistry.Core.Data;

/// <summary>
/// LIKE patterns built from what users type: their % and _ are matched literally (escaped with a backslash,
/// so every query using these passes "\\" as the escape character), and overlong input is cut short.
/// </summary>
public static class LikePatterns
{
    public const string Escape = "\\";

    public static string Containing(string text, int maxLength = 128) => "%" + Literal(text, maxLength) + "%";

    public static string StartingWith(string text, int maxLength = 128) => Literal(text, maxLength) + "%";

    /// <summary>
    /// Case-insensitive LIKE with <see cref="Escape"/>, the same on every database: SQLite's LIKE ignores ASCII case
    /// but PostgreSQL's does not, so both sides are lower-cased in SQL (<c>lower(value) LIKE lower(pattern)</c>).
    /// Only usable inside queries; registered by <see cref="Register"/>.
    /// </summary>
    public static bool Matches(string? value, string pattern) =>
        throw new InvalidOperationException($"{nameof(Matches)} is translated to SQL and cannot run in memory");

    internal static void Register(ModelBuilder modelBuilder) =>
        modelBuilder.HasDbFunction(typeof(LikePatterns).GetMethod(nameof(Matches))!)
            .HasTranslation(args =>
            {
                var text = args[0].TypeMapping ?? args[1].TypeMapping;
                return new LikeExpression(Lower(args[0]), Lower(args[1]), new SqlConstantExpression(Escape, typeof(string), text), null);
            });

    private static SqlFunctionExpression Lower(SqlExpression value) =>
        new("lower", [value], nullable: true, argumentsPropagateNullability: [true], typeof(string), value.TypeMapping);

    private static string Literal(string text, int maxLength)
    {
        var cut = text.Length > maxLength ? text[..maxLength] : text;
        return cut.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
    }
}
