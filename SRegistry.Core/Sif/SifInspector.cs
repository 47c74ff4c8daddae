namespace SRegistry.Core.Sif;

/// <summary>What a SIF file says about itself.</summary>
public sealed record SifInfo(bool IsValid, string? Error, string? Arch, IReadOnlyList<string> Signers);

/// <summary>Placeholder until the full reader lands: checks only the SIF magic.</summary>
public static class SifInspector
{
    public static SifInfo InspectFile(string path)
    {
        Span<byte> head = stackalloc byte[42];
        using var stream = File.OpenRead(path);
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var ok = read == head.Length && head[32..41].SequenceEqual("SIF_MAGIC"u8);
        return new SifInfo(ok, ok ? null : "missing SIF magic", null, []);
    }
}
