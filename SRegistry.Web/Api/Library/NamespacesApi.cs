using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Library;
using SRegistry.Core.Naming;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>Entities, collections and containers (spec L1 to L6): the namespace a push resolves or creates.</summary>
public static class NamespacesApi
{
    public static IEndpointRouteBuilder MapNamespaces(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/entities/{**name}", GetEntity);
        v1.MapPost("/entities", CreateEntity);
        v1.MapGet("/collections/{**reference}", GetCollection);
        v1.MapPost("/collections", CreateCollection);
        v1.MapGet("/containers/{**reference}", GetContainer);
        v1.MapPost("/containers", CreateContainer);
        return app;
    }

    public static async Task<Results<Envelope<EntityWire>, LibraryError>> GetEntity(string? name, Namespaces namespaces, CancellationToken ct)
    {
        var segments = LibraryRef.SplitPath(name);
        if (segments.Length != 1 || !NameRules.IsEntityName(segments[0]))
        {
            return LibraryError.BadRequest($"invalid entity name: {NameRules.ContainerNameRule}");
        }
        var entity = await namespaces.FindEntityAsync(segments[0], ct);
        return entity is null ? LibraryError.NotFound($"entity '{segments[0]}' not found") : new Envelope<EntityWire>(EntityWire.From(entity));
    }

    public static async Task<Results<Envelope<EntityWire>, LibraryError>> CreateEntity(HttpRequest request, Caller caller, Namespaces namespaces,
        CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<CreateEntityRequest>(request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await namespaces.CreateEntityAsync(caller.Principal, body!.Name, ct);
        return outcome.Succeeded ? new Envelope<EntityWire>(EntityWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<CollectionWire>, LibraryError>> GetCollection(string? reference, Caller caller, Namespaces namespaces,
        CancellationToken ct)
    {
        var segments = LibraryRef.SplitPath(reference);
        if (segments.Length is 0 or > 2)
        {
            return LibraryError.BadRequest("expected /v1/collections/[entity/]collection");
        }
        var outcome = await namespaces.FindCollectionAsync(caller.Principal, segments.Length == 2 ? segments[0] : null, segments[^1], ct);
        return outcome.Succeeded ? new Envelope<CollectionWire>(CollectionWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<CollectionWire>, LibraryError>> CreateCollection(HttpRequest request, Caller caller,
        Namespaces namespaces, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<CreateCollectionRequest>(request, ct);
        if (error is not null)
        {
            return error;
        }
        // The client always sends "private": false; the registry's default for new collections applies instead (spec 3.3).
        var outcome = await namespaces.CreateCollectionAsync(caller.Principal, body!.Entity, body.Name, body.Description, null, fromPush: true, ct);
        return outcome.Succeeded ? new Envelope<CollectionWire>(CollectionWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<ContainerWire>, LibraryError>> GetContainer(string? reference, Caller caller, Namespaces namespaces,
        CancellationToken ct)
    {
        var segments = LibraryRef.SplitPath(reference);
        if (segments.Length is < 2 or > 3)
        {
            return LibraryError.BadRequest("expected /v1/containers/[entity/]collection/container");
        }
        var outcome = await namespaces.FindContainerAsync(caller.Principal, segments.Length == 3 ? segments[0] : null, segments[^2], segments[^1], ct);
        return outcome.Succeeded ? new Envelope<ContainerWire>(ContainerWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }

    public static async Task<Results<Envelope<ContainerWire>, LibraryError>> CreateContainer(HttpRequest request, Caller caller,
        Namespaces namespaces, CancellationToken ct)
    {
        var (body, error) = await LibraryBody.ReadAsync<CreateContainerRequest>(request, ct);
        if (error is not null)
        {
            return error;
        }
        var outcome = await namespaces.CreateContainerAsync(caller.Principal, body!.Collection, body.Name, body.Description, ct);
        return outcome.Succeeded ? new Envelope<ContainerWire>(ContainerWire.From(outcome.Value!)) : Failed.For(outcome, caller);
    }
}

/// <summary>Turns a failed outcome into the error envelope, naming a bad token when that is why the caller is anonymous.</summary>
internal static class Failed
{
    public static LibraryError For<T>(Outcome<T> outcome, Caller caller) =>
        outcome.Failure == Failure.Unauthenticated && caller.PresentedBadToken
            ? new LibraryError(StatusCodes.Status401Unauthorized, "the token is invalid, expired or revoked: create a new one and run 'remote login' again")
            : LibraryError.From(outcome);
}
