using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;

namespace SRegistry.Web.Components;

/// <summary>
/// How this request's page is rendered, decided once in <c>App.razor</c> and read by the components that must draw
/// themselves differently without a circuit (copy buttons, folded text, expanding panels). In a circuit it stays live.
/// </summary>
public sealed class PageRendering
{
    /// <summary>True when the page is plain server HTML for good: the few controls it has are driven by sregistry.js.</summary>
    public bool IsStatic { get; private set; }

    /// <summary>Live by default; static for pages marked so (sign-in form) and for visitors on read-only pages.</summary>
    public IComponentRenderMode? ModeFor(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var staticForThisVisitor = endpoint?.Metadata.GetMetadata<StaticForVisitorsAttribute>() is not null
            && context.User.Identity?.IsAuthenticated != true;
        IsStatic = !context.AcceptsInteractiveRouting() || staticForThisVisitor;
        return IsStatic ? null : RenderMode.InteractiveServer;
    }
}
