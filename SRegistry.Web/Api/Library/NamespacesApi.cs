using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core.Library;
using SRegistry.Core.Naming;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>Entities, collections and containers (L1 to L6 in docs/protocol/library.md): the namespace a push resolves or creates.</summary>
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

    public static async Task<Results<Envelope<EntityWire>, LibraryError>> GetEntity(string? name, LibraryEntities entities,
        CancellationToken ct) =>
        OutcomeResults.Envelope(await entities.FindEntityAsync(name, ct), caller: null, EntityWire.From);

    public static async Task<Results<Envelope<EntityWire>, LibraryError>> CreateEntity(JsonBody<CreateEntityRequest> body, Caller caller,
        LibraryEntities entities, CancellationToken ct) =>
        OutcomeResults.Envelope(await entities.CreateEntityAsync(caller.Principal, body.Value.Name, ct), caller, EntityWire.From);

    public static async Task<Results<Envelope<CollectionWire>, LibraryError>> GetCollection(string? reference, Caller caller, LibraryCollections collections,
        CancellationToken ct)
    {
        var segments = LibraryRef.SplitPath(reference);
        if (segments.Length is 0 or > 2)
        {
            return LibraryError.BadRequest("expected /v1/collections/[entity/]collection");
        }
        var outcome = await collections.FindCollectionAsync(caller.Principal, segments.Length == 2 ? segments[0] : null, segments[^1], ct);
        return OutcomeResults.Envelope(outcome, caller, CollectionWire.From);
    }

    /// <summary>The client always sends <c>"private": false</c>; the registry's default for new collections applies instead (docs/protocol/library.md#collection).</summary>
    public static async Task<Results<Envelope<CollectionWire>, LibraryError>> CreateCollection(JsonBody<CreateCollectionRequest> body, Caller caller,
        LibraryCollections collections, CancellationToken ct)
    {
        var request = body.Value;
        var outcome = await collections.CreateCollectionAsync(caller.Principal, request.Entity, request.Name, request.Description, null, fromPush: true, ct);
        return OutcomeResults.Envelope(outcome, caller, CollectionWire.From);
    }

    public static async Task<Results<Envelope<ContainerWire>, LibraryError>> GetContainer(string? reference, Caller caller, LibraryContainers containers,
        CancellationToken ct)
    {
        var segments = LibraryRef.SplitPath(reference);
        if (segments.Length is < 2 or > 3)
        {
            return LibraryError.BadRequest("expected /v1/containers/[entity/]collection/container");
        }
        var outcome = await containers.FindContainerAsync(caller.Principal, segments.Length == 3 ? segments[0] : null, segments[^2], segments[^1], ct);
        return OutcomeResults.Envelope(outcome, caller, ContainerWire.From);
    }

    public static async Task<Results<Envelope<ContainerWire>, LibraryError>> CreateContainer(JsonBody<CreateContainerRequest> body, Caller caller,
        LibraryContainers containers, CancellationToken ct)
    {
        var request = body.Value;
        var outcome = await containers.CreateContainerAsync(caller.Principal, request.Collection, request.Name, request.Description, ct);
        return OutcomeResults.Envelope(outcome, caller, ContainerWire.From);
    }
}
