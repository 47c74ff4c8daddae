using SRegistry.Core.Data;
using SRegistry.Core.Model;

namespace SRegistry.Core.Library;

/// <summary>
/// Which tag annotations a search matches: its key, its value, or "key=value" (so "cuda" and "cuda=12" both find
/// <c>cuda=12.1</c>). Composed into the dashboard's and the library API's searches as a subquery.
/// </summary>
public static class AnnotationSearch
{
    public static IQueryable<TagAnnotation> Matching(this IQueryable<TagAnnotation> annotations, string likePattern) =>
        annotations.Where(a => LikePatterns.Matches(a.Key, likePattern) || LikePatterns.Matches(a.Value, likePattern)
                               || LikePatterns.Matches(a.Key + "=" + a.Value, likePattern));
}
