using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using SRegistry.Core.Sif;

namespace SRegistry.Core.Contents;

/// <summary>
/// Checks the OpenPGP signature of a SIF signature object against one stored public key, with BouncyCastle, as the
/// Go sif package does with go-crypto: a text signature over the clear-signed text, by the key named in the
/// descriptor or one of its subkeys, with a hash of the SHA-2 family.
/// </summary>
public static class OpenPgpSignatureCheck
{
    private static readonly HashAlgorithmTag[] AcceptedHashes =
        [HashAlgorithmTag.Sha224, HashAlgorithmTag.Sha256, HashAlgorithmTag.Sha384, HashAlgorithmTag.Sha512];

    /// <summary>Null when the signature verifies; otherwise why not.</summary>
    public static string? Verify(string armoredKey, string signedText, string armoredSignature)
    {
        PgpPublicKeyRing ring;
        PgpSignatureList? signatures;
        try
        {
            using var keyStream = PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armoredKey)));
            ring = new PgpPublicKeyRing(keyStream);
            using var signatureStream = PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(armoredSignature)));
            signatures = new PgpObjectFactory(signatureStream).NextPgpObject() as PgpSignatureList;
        }
        catch (Exception e) when (e is IOException or PgpException)
        {
            return "the signature block cannot be read";
        }
        if (signatures is null || signatures.Count == 0)
        {
            return "the signature block holds no signature";
        }
        var signature = signatures[0];
        var key = ring.GetPublicKey(signature.KeyId);
        if (key is null)
        {
            return $"the signature was made by key ID {signature.KeyId:X16}, which is not the key the image names";
        }
        if (!AcceptedHashes.Contains(signature.HashAlgorithm))
        {
            return $"the signature uses hash {signature.HashAlgorithm}, which is not accepted";
        }
        try
        {
            signature.InitVerify(key);
            signature.Update(ClearSignedMessage.SignedBytesOf(signedText));
            return signature.Verify() ? null : "the signature does not match the signed text";
        }
        catch (PgpException)
        {
            return "the signature cannot be checked with the signing key";
        }
    }
}
