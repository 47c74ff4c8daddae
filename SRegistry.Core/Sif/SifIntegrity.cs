using System.Security.Cryptography;
using System.Text.Json;

namespace SRegistry.Core.Sif;

/// <summary>
/// Checks that what a SIF signature says it signed is what the file holds, as the Go sif integrity package does:
/// the signed text is JSON naming digests of the header, of each object's descriptor and of each object's data
/// (objects numbered relative to their group's lowest ID), or in the legacy format one digest of the group's data.
/// The signature itself (the key) is checked elsewhere; this part needs no key. Returns null when all matches,
/// else what does not (naming the object).
/// </summary>
public static class SifIntegrity
{
    private const string LegacyPrefix = "SIFHASH:\n";

    public static string? Check(SifLayout layout, SifSource source, SifDescriptor signature, string signedText)
    {
        var covered = signature.LinksGroup
            ? layout.Descriptors.Where(d => d.GroupId == signature.LinkedId).ToList()
            : layout.Descriptors.Where(d => d.Id == signature.LinkedId).ToList();
        if (covered.Count == 0)
        {
            return signature.LinksGroup
                ? $"the signature covers object group {signature.LinkedId}, which the image does not hold"
                : $"the signature covers object {signature.LinkedId}, which the image does not hold";
        }
        return signedText.StartsWith(LegacyPrefix, StringComparison.Ordinal)
            ? CheckLegacy(source, signature, covered, signedText)
            : CheckMetadata(layout, source, signature, covered, signedText);
    }

    private static string? CheckLegacy(SifSource source, SifDescriptor signature, List<SifDescriptor> covered, string signedText)
    {
        var algorithm = SifNames.DigestAlgorithm(SifNames.HashType(BitConverter.ToInt32(signature.Extra[..4])));
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(signedText[LegacyPrefix.Length..].TrimEnd('\n'));
        }
        catch (FormatException)
        {
            return "the signed digest is malformed";
        }
        if (algorithm is null)
        {
            return "the signature uses a hash this registry does not check";
        }
        using var hash = IncrementalHash.CreateHash(algorithm.Value);
        foreach (var d in covered)
        {
            if (!HashInto(hash, source, d))
            {
                return $"object {d.Id} could not be read here to check the signed digest";
            }
        }
        return hash.GetHashAndReset().AsSpan().SequenceEqual(expected)
            ? null
            : $"the data of object group {signature.LinkedId} does not match what was signed";
    }

    private static string? CheckMetadata(SifLayout layout, SifSource source, SifDescriptor signature, List<SifDescriptor> covered, string signedText)
    {
        SignedImage? signed;
        try
        {
            signed = JsonSerializer.Deserialize(signedText, SifJson.Default.SignedImage);
        }
        catch (JsonException)
        {
            signed = null;
        }
        if (signed is not { Version: 1 } || signed.Header?.Digest is null || signed.Objects is null)
        {
            return "the signed text is not SIF integrity metadata (version 1)";
        }
        if (Digest.Parse(signed.Header.Digest) is not { } headerDigest || !headerDigest.Matches(layout.HeaderIntegrityBytes()))
        {
            return "the SIF header does not match what was signed";
        }
        var minimum = layout.MinimumId(covered[0].RawGroupId);
        var byId = signed.Objects.GroupBy(o => minimum + o.RelativeId).ToDictionary(g => g.Key, g => g.First());
        if (signature.LinksGroup)
        {
            if (covered.FirstOrDefault(d => !byId.ContainsKey(d.Id)) is { } extra)
            {
                return $"object {extra.Id} is in the signed group but not covered by the signature";
            }
            if (byId.Keys.FirstOrDefault(id => covered.All(d => d.Id != id)) is var missing and > 0)
            {
                return $"signed object {missing} is not in the image";
            }
        }
        foreach (var d in covered)
        {
            if (!byId.TryGetValue(d.Id, out var entry))
            {
                return $"object {d.Id} is not covered by the signature";
            }
            if (Digest.Parse(entry.DescriptorDigest) is not { } descriptorDigest || !descriptorDigest.Matches(layout.DescriptorIntegrityBytes(d)))
            {
                return $"the descriptor of object {d.Id} does not match what was signed";
            }
            if (Digest.Parse(entry.ObjectDigest) is not { } objectDigest)
            {
                return $"the digest of object {d.Id} is malformed";
            }
            var actual = objectDigest.Algorithm == HashAlgorithmName.SHA256 ? source.Sha256Of(d.Offset, d.Size) : null;
            if (actual is null)
            {
                using var hash = IncrementalHash.CreateHash(objectDigest.Algorithm);
                if (!HashInto(hash, source, d))
                {
                    return $"object {d.Id} could not be read here to check the signed digest";
                }
                actual = hash.GetHashAndReset();
            }
            if (!actual.AsSpan().SequenceEqual(objectDigest.Value))
            {
                return $"the data of object {d.Id} does not match what was signed";
            }
        }
        return null;
    }

    /// <summary>Whether every object a signature covers can be read from <paramref name="source"/>.</summary>
    public static bool CanCheck(SifLayout layout, SifSource source, SifDescriptor signature) =>
        layout.Descriptors.Where(d => signature.LinksGroup ? d.GroupId == signature.LinkedId : d.Id == signature.LinkedId)
            .All(d => source.CanRead(d.Offset, d.Size) || source.Sha256Of(d.Offset, d.Size) is not null);

    private static bool HashInto(IncrementalHash hash, SifSource source, SifDescriptor d)
    {
        if (!source.CanRead(d.Offset, d.Size))
        {
            return false;
        }
        var buffer = new byte[1 << 20];
        for (long done = 0; done < d.Size;)
        {
            var n = source.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, d.Size - done)), d.Offset + done);
            if (n <= 0)
            {
                return false;
            }
            hash.AppendData(buffer, 0, n);
            done += n;
        }
        return true;
    }

    private sealed record Digest(HashAlgorithmName Algorithm, byte[] Value)
    {
        public static Digest? Parse(string? text)
        {
            var parts = text?.Split(':');
            if (parts is not [var name, var hex] || SifNames.DigestAlgorithm(name) is not { } algorithm)
            {
                return null;
            }
            try
            {
                return new Digest(algorithm, Convert.FromHexString(hex));
            }
            catch (FormatException)
            {
                return null;
            }
        }

        public bool Matches(byte[] data)
        {
            using var hash = IncrementalHash.CreateHash(Algorithm);
            hash.AppendData(data);
            return hash.GetHashAndReset().AsSpan().SequenceEqual(Value);
        }
    }
}
