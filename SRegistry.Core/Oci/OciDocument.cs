using System.Security.Cryptography;

namespace SRegistry.Core.Oci;

/// <summary>A manifest or index as it is served: its media type and exact bytes, and the SHA-256 those bytes have.</summary>
public sealed record OciDocument(string MediaType, byte[] Content)
{
    public string Hex { get; } = Convert.ToHexStringLower(SHA256.HashData(Content));

    public string Digest => OciNames.DigestOf(Hex);
}
