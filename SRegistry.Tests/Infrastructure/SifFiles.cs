using System.Diagnostics;
using System.Security.Cryptography;

namespace SRegistry.Tests.Infrastructure;

/// <summary>Real SIF images made with Debian's <c>siftool</c>: a primary system partition of random bytes with a chosen architecture.</summary>
public sealed class SifFiles : IDisposable
{
    private static readonly string[] ArchCodes = ["", "386", "amd64", "arm", "arm64", "ppc64", "ppc64le", "mips", "mipsle", "mips64", "mips64le", "s390x", "riscv64"];

    public string Folder { get; } = Directory.CreateTempSubdirectory("sreg-sif-").FullName;

    public static bool SiftoolAvailable => File.Exists("/usr/bin/siftool");

    /// <summary>
    /// Creates a SIF of about <paramref name="payloadBytes"/> plus header; returns its path and <c>sha256.&lt;hex&gt;</c>.
    /// <paramref name="grouped"/> puts the partition in object group 1, as image builders do; SIF signing signs groups.
    /// </summary>
    public async Task<(string Path, string Hash, long Size)> CreateAsync(long payloadBytes, string arch = "amd64", string? name = null, bool grouped = false)
    {
        var archCode = Array.IndexOf(ArchCodes, arch);
        if (archCode <= 0)
        {
            throw new ArgumentException($"unknown arch {arch}", nameof(arch));
        }
        name ??= $"{arch}-{payloadBytes}-{Guid.NewGuid():N}";
        var payload = Path.Combine(Folder, name + ".squashfs");
        await WriteRandomAsync(payload, payloadBytes);
        var sif = Path.Combine(Folder, name + ".sif");
        await RunAsync("new", sif);
        string[] group = grouped ? ["--groupid", "1"] : [];
        await RunAsync(["add", "--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", archCode.ToString(System.Globalization.CultureInfo.InvariantCulture), .. group, sif, payload]);
        File.Delete(payload);
        return (sif, "sha256." + await Sha256Async(sif), new FileInfo(sif).Length);
    }

    /// <summary>
    /// Adds a signature descriptor naming <paramref name="fingerprint"/> (40 hex digits) as signer. The payload is
    /// not a real OpenPGP signature: enough for what the registry reads from the descriptor table.
    /// </summary>
    public async Task<(string Path, string Hash, long Size)> AddSignatureDescriptorAsync(string sif, string fingerprint)
    {
        var payload = Path.Combine(Folder, $"sig-{Guid.NewGuid():N}.asc");
        await File.WriteAllTextAsync(payload, "-----BEGIN PGP SIGNED MESSAGE-----\n(test descriptor)\n");
        await RunAsync("add", "--datatype", "5", "--signentity", fingerprint, "--signhash", "1", sif, payload);
        File.Delete(payload);
        return (sif, "sha256." + await Sha256Async(sif), new FileInfo(sif).Length);
    }

    /// <summary>A file of random bytes that is not a SIF image.</summary>
    public async Task<(string Path, string Hash, long Size)> CreateNotSifAsync(long bytes)
    {
        var path = Path.Combine(Folder, $"not-sif-{Guid.NewGuid():N}.bin");
        await WriteRandomAsync(path, bytes);
        return (path, "sha256." + await Sha256Async(path), bytes);
    }

    public static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    private static async Task WriteRandomAsync(string path, long bytes)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        for (long left = bytes; left > 0; left -= buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, left);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, n));
            await file.WriteAsync(buffer.AsMemory(0, n));
        }
    }

    private static async Task RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("siftool") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"siftool {string.Join(' ', args)} failed: {stderr}");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: temp folder.
        }
    }
}
