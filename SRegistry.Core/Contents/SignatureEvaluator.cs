using SRegistry.Core.Keys;
using SRegistry.Core.Model;
using SRegistry.Core.Sif;

namespace SRegistry.Core.Contents;

/// <summary>
/// Turns an image's signatures (read at push) and the keys this registry holds into verdicts: pure, so the same
/// rules apply at push and whenever a key is pushed or removed.
/// </summary>
public static class SignatureEvaluator
{
    public static (SignatureState State, List<SignatureVerdict> Verdicts) Evaluate(
        IReadOnlyList<SifSignature> signatures, IReadOnlyList<uint> unsignedGroups, IReadOnlyDictionary<string, SigningKey> keys)
    {
        if (signatures.Count == 0)
        {
            return (SignatureState.Unsigned, []);
        }
        var verdicts = signatures.Select(s => Judge(s, keys)).ToList();
        var state = verdicts.Any(v => v.State == SignatureState.DoesNotVerify) ? SignatureState.DoesNotVerify
            : verdicts.Any(v => v.State == SignatureState.NotChecked) ? SignatureState.NotChecked
            : verdicts.Any(v => v.State == SignatureState.UnknownKey) ? SignatureState.UnknownKey
            : SignatureState.Verified;
        if (state == SignatureState.Verified && unsignedGroups.Count > 0)
        {
            // As singularity verify: every object group must be signed.
            verdicts.Add(new SignatureVerdict(0, SignatureState.DoesNotVerify, null, null, null,
                $"signature does not verify: object group {string.Join(", ", unsignedGroups)} is not signed"));
            state = SignatureState.DoesNotVerify;
        }
        return (state, verdicts);
    }

    private static SignatureVerdict Judge(SifSignature s, IReadOnlyDictionary<string, SigningKey> keys)
    {
        SignatureVerdict Verdict(SignatureState state, string detail, SigningKey? key = null) =>
            new(s.Id, state, s.Fingerprint, key is null ? null : FirstUserId(key), key?.UploadedById, detail);

        if (s.IntegrityProblem is { } problem)
        {
            return Verdict(SignatureState.DoesNotVerify, $"signature does not verify: {problem}");
        }
        if (!s.Checked || s.SignedText is null || s.ArmoredSignature is null)
        {
            return Verdict(SignatureState.NotChecked, "signature not checked: the signed objects could not be read where this image is stored");
        }
        if (s.Fingerprint is null || !keys.TryGetValue(s.Fingerprint, out var key))
        {
            return Verdict(SignatureState.UnknownKey, $"signed by a key this registry does not hold ({s.Fingerprint ?? "no fingerprint in the descriptor"})");
        }
        if (IsRevoked(key))
        {
            return Verdict(SignatureState.DoesNotVerify, $"signature does not verify: key {key.Fingerprint} has been revoked", key);
        }
        if (OpenPgpSignatureCheck.Verify(key.Armored, s.SignedText, s.ArmoredSignature) is { } failure)
        {
            return Verdict(SignatureState.DoesNotVerify, $"signature does not verify: {failure} (signature object {s.Id})", key);
        }
        return Verdict(SignatureState.Verified, $"verified: signed by {FirstUserId(key) ?? "(no user ID)"} ({key.Fingerprint}), key held here", key);
    }

    private static bool IsRevoked(SigningKey key)
    {
        try
        {
            return OpenPgpKeys.Read(key.Armored).IsRevoked;
        }
        catch (InvalidDataException)
        {
            return true;
        }
    }

    private static string? FirstUserId(SigningKey key) => key.UserIds.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
}
