namespace SRegistry.Core.Model;

/// <summary>An OpenPGP public key held by the keyserver.</summary>
public sealed class SigningKey
{
    /// <summary>Upper-case hex v4 fingerprint of the primary key.</summary>
    public required string Fingerprint { get; set; }
    public required string Armored { get; set; }
    /// <summary>User IDs, newline separated.</summary>
    public string UserIds { get; set; } = "";
    /// <summary>Fingerprints of subkeys, space separated (signatures may be made by a subkey).</summary>
    public string SubkeyFingerprints { get; set; } = "";
    public int Algorithm { get; set; }
    public int Bits { get; set; }
    public DateTimeOffset KeyCreatedAt { get; set; }
    public DateTimeOffset? KeyExpiresAt { get; set; }
    public required string UploadedById { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
}
