using SRegistry.Web.Api.Library;

namespace SRegistry.Web.Api;

/// <summary>
/// A request body an endpoint takes as a parameter. It is read and checked once, while parameters bind (a static
/// <c>BindAsync</c>); a body that could not be read carries the error to answer instead of a value.
/// </summary>
public interface IRequestBody
{
    /// <summary>Why the body was refused, or null when it was read.</summary>
    LibraryError? Error { get; }
}

/// <summary>The conventions every protocol group (library, keyserver, blobs) shares.</summary>
public static class ApiGroups
{
    /// <summary>
    /// A group whose endpoints never see a refused body: when any <see cref="IRequestBody"/> parameter carries an
    /// error, that error is the answer and the handler does not run.
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix = "") =>
        app.MapGroup(prefix).AddEndpointFilterFactory(RefuseUnreadableBodies);

    private static EndpointFilterDelegate RefuseUnreadableBodies(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        var bodies = factory.MethodInfo.GetParameters()
            .Where(p => typeof(IRequestBody).IsAssignableFrom(p.ParameterType))
            .Select(p => p.Position)
            .ToArray();
        if (bodies.Length == 0)
        {
            return next;
        }
        return async invocation =>
        {
            foreach (var position in bodies)
            {
                if (invocation.GetArgument<IRequestBody>(position).Error is { } error)
                {
                    return error;
                }
            }
            return await next(invocation);
        };
    }
}
