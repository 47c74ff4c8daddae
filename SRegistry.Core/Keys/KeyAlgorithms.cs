namespace SRegistry.Core.Keys;

/// <summary>Readable names for OpenPGP public-key algorithm numbers (RFC 4880 9.1, RFC 9580 9.1).</summary>
public static class KeyAlgorithms
{
    public static string Name(int algorithm) => algorithm switch
    {
        1 or 2 or 3 => "RSA",
        16 => "Elgamal",
        17 => "DSA",
        18 => "ECDH",
        19 => "ECDSA",
        22 => "EdDSA",
        25 => "X25519",
        26 => "X448",
        27 => "Ed25519",
        28 => "Ed448",
        _ => $"algorithm {algorithm}",
    };
}
