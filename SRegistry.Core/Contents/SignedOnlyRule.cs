using SRegistry.Core.Model;

namespace SRegistry.Core.Contents;

/// <summary>
/// A signed-only collection's rule: an image needs a verifying signature by a key published by the collection's
/// owner or by a member of one of its assigned teams. Returns null when the image meets it, else what failed.
/// </summary>
public static class SignedOnlyRule
{
    public const string Lead = "this collection accepts only images signed by its owner or its teams' members: ";

    public static string? Failure(SignatureState state, IReadOnlyList<SignatureVerdict> verdicts, IReadOnlySet<string> allowedUserIds)
    {
        var failing = verdicts.FirstOrDefault(v => v.State == SignatureState.DoesNotVerify);
        var reason = state switch
        {
            SignatureState.Unsigned => "the image is unsigned; sign it with 'singularity sign' and push again",
            SignatureState.DoesNotVerify => $"the image's {failing?.Detail ?? "signature does not verify"}",
            SignatureState.NotChecked => "the image's signature could not be checked",
            SignatureState.UnknownKey => $"the image is signed by an unknown key ({UnknownFingerprints(verdicts)}); push the public key with 'singularity key push' first",
            _ => null,
        };
        if (reason is not null)
        {
            return Lead + reason;
        }
        return verdicts.Any(v => v.State == SignatureState.Verified && v.KeyOwnerId is { } owner && allowedUserIds.Contains(owner))
            ? null
            : Lead + $"the image is signed by key {string.Join(", ", verdicts.Select(v => v.Fingerprint).Distinct())}, which is not owned by the collection's owner or a member of its teams";
    }

    private static string UnknownFingerprints(IReadOnlyList<SignatureVerdict> verdicts) =>
        string.Join(", ", verdicts.Where(v => v.State == SignatureState.UnknownKey).Select(v => v.Fingerprint ?? "unnamed").Distinct());
}
