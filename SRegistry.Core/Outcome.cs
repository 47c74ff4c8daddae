namespace SRegistry.Core;

public enum Failure
{
    None,
    /// <summary>Missing or invisible: private things the caller may not see are reported exactly like absent ones.</summary>
    NotFound,
    /// <summary>Needs a signed-in caller.</summary>
    Unauthenticated,
    /// <summary>Visible, but the caller may not do this.</summary>
    Forbidden,
    /// <summary>The request itself is wrong (bad name, hash, size...).</summary>
    Invalid,
    /// <summary>The request clashes with what is stored (name taken, upload not finished...).</summary>
    Conflict,
    /// <summary>Over a storage quota.</summary>
    QuotaExceeded,
    /// <summary>The server's disk is full: nothing was stored, and a retry can work once space is freed.</summary>
    StorageFull,
}

/// <summary>The result of a service call: a value, or a failure kind with a message a user can act on.</summary>
public readonly record struct Outcome<T>(T? Value, Failure Failure, string Message)
{
    public bool Succeeded => Failure == Failure.None;

    public static implicit operator Outcome<T>(T value) => new(value, Failure.None, "");

    public static implicit operator Outcome<T>(Problem problem) => new(default, problem.Failure, problem.Message);
}

/// <summary>A failure on its way into an <see cref="Outcome{T}"/> of any type.</summary>
public readonly record struct Problem(Failure Failure, string Message)
{
    public static Problem NotFound(string message) => new(Failure.NotFound, message);
    public static Problem Unauthenticated(string message = "sign in or pass a valid token to do this") => new(Failure.Unauthenticated, message);
    public static Problem Forbidden(string message) => new(Failure.Forbidden, message);
    public static Problem Invalid(string message) => new(Failure.Invalid, message);
    public static Problem Conflict(string message) => new(Failure.Conflict, message);
    public static Problem QuotaExceeded(string message) => new(Failure.QuotaExceeded, message);
    public static Problem StorageFull() => new(Failure.StorageFull, "the registry is out of disk space; nothing was stored. Try again later or tell the administrator");
}
