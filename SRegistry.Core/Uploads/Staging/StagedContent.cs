namespace SRegistry.Core.Uploads.Staging;

/// <summary>One part of a multipart upload as the store holds it.</summary>
public sealed record StoredPart(int PartNumber, long Size, string ETag);

/// <summary>
/// What reading an uploaded object back found: its size, its SHA-256, its first bytes (for the SIF header), and the
/// store's ETag of the object read, so publishing copies exactly that object and nothing written to the key since.
/// </summary>
public sealed record StagedContent(long Size, string Sha256Hex, byte[] Head, string ETag);

/// <summary>The staged object changed after it was read back and verified: it is not published.</summary>
public sealed class StagedObjectChangedException(string message) : Exception(message);
