using System.Text.Json.Serialization;
using SRegistry.Core.Model;

namespace SRegistry.Core.Contents;

/// <summary>
/// What one signature of an image amounts to here. <see cref="Detail"/> is the sentence the page shows;
/// <see cref="KeyOwnerId"/> is the account that published the signing key (for the signed-only rule).
/// </summary>
public sealed record SignatureVerdict(uint SignatureId, SignatureState State, string? Fingerprint, string? Signer,
    string? KeyOwnerId, string Detail);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<SignatureVerdict>))]
public sealed partial class VerdictJson : JsonSerializerContext;
