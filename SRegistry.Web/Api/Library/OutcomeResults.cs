using Microsoft.AspNetCore.Http.HttpResults;
using SRegistry.Core;
using SRegistry.Web.Auth;

namespace SRegistry.Web.Api.Library;

/// <summary>
/// The one mapping from a Core <see cref="Outcome{T}"/> to what the protocols answer: the value in the library
/// envelope, or the error envelope with the status the failure kind stands for. An anonymous caller who sent a token
/// that did not check out is told so, in the one wording every endpoint uses.
/// </summary>
public static class OutcomeResults
{
    /// <summary>What a 401 says when the caller presented a token that is not (or no longer) valid.</summary>
    public const string BadTokenMessage = "the token is unknown, expired or revoked: create a new one and run 'singularity remote login' again";

    /// <remarks><c>caller</c> is null where no token is taken (blob transfer URLs) or none can be refused.</remarks>
    public static Results<Envelope<TWire>, LibraryError> Envelope<T, TWire>(Outcome<T> outcome, Caller? caller, Func<T, TWire> toWire) =>
        outcome.Succeeded ? new Envelope<TWire>(toWire(outcome.Value!)) : Error(outcome, caller);

        public static LibraryError Error<T>(Outcome<T> outcome, Caller? caller = null) => Error(outcome.Failure, outcome.Message, caller);

    public static LibraryError Error(Problem problem, Caller? caller = null) => Error(problem.Failure, problem.Message, caller);

    private static LibraryError Error(Failure failure, string message, Caller? caller) => failure switch
    {
        Failure.Unauthenticated when caller?.PresentedBadToken == true => new(StatusCodes.Status401Unauthorized, BadTokenMessage),
        Failure.NotFound => LibraryError.NotFound(message),
        Failure.Unauthenticated => new(StatusCodes.Status401Unauthorized, message),
        Failure.Forbidden => new(StatusCodes.Status403Forbidden, message),
        Failure.Conflict => new(StatusCodes.Status409Conflict, message),
        // 403 rather than 507: the Go client prints the message either way, and 403 is what the Sylabs library uses.
        Failure.QuotaExceeded => new(StatusCodes.Status403Forbidden, message),
        Failure.StorageFull => new(StatusCodes.Status507InsufficientStorage, message),
        _ => LibraryError.BadRequest(message),
    };
}
