using System.Security.Cryptography;

namespace SRegistry.Core.Sif;

/// <summary>The SIF format's codes (data types, filesystems, partition types, architectures, hashes) and their names.</summary>
public static class SifNames
{
    public const int DefinitionFile = 0x4001;
    public const int Environment = 0x4002;
    public const int Labels = 0x4003;
    public const int Partition = 0x4004;
    public const int Signature = 0x4005;
    public const int GenericJson = 0x4006;
    public const int Generic = 0x4007;
    public const int CryptoMessage = 0x4008;
    public const int Sbom = 0x4009;

    private static readonly string?[] ArchByCode =
        [null, "386", "amd64", "arm", "arm64", "ppc64", "ppc64le", "mips", "mipsle", "mips64", "mips64le", "s390x", "riscv64"];

    public static string DataType(int code) => code switch
    {
        DefinitionFile => "definition file",
        Environment => "environment",
        Labels => "labels (JSON)",
        Partition => "partition",
        Signature => "signature",
        GenericJson => "JSON metadata",
        Generic => "generic data",
        CryptoMessage => "cryptographic message",
        Sbom => "software bill of materials",
        _ => $"unknown (0x{code:x})",
    };

    public static string FileSystem(int code) => code switch
    {
        1 => "squashfs",
        2 => "ext3",
        3 => "archive",
        4 => "raw",
        5 => "encrypted squashfs",
        _ => "unknown",
    };

    public static string PartitionType(int code) => code switch
    {
        1 => "system",
        2 => "primary system",
        3 => "data",
        4 => "overlay",
        _ => "unknown",
    };

    /// <summary>Architectures are stored as two ASCII digits and a NUL ("02\0" is amd64), named as Go names them.</summary>
    public static string? Arch(ReadOnlySpan<byte> code)
    {
        if (code.Length < 3 || code[2] != 0 || !char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]))
        {
            return null;
        }
        var index = ((code[0] - '0') * 10) + (code[1] - '0');
        return index < ArchByCode.Length ? ArchByCode[index] : null;
    }

    /// <summary>The hash a signature descriptor names (1 SHA-256, 2 SHA-384, 3 SHA-512; BLAKE2 is not used for OpenPGP).</summary>
    public static string HashType(int code) => code switch
    {
        1 => "sha256",
        2 => "sha384",
        3 => "sha512",
        4 => "blake2s",
        5 => "blake2b",
        _ => "unknown",
    };

    /// <summary>The hash named in a signed digest ("sha256:…"), when .NET computes it.</summary>
    public static HashAlgorithmName? DigestAlgorithm(string name) => name switch
    {
        "sha256" => HashAlgorithmName.SHA256,
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        _ => null,
    };
}
