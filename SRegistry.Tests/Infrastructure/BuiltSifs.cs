using System.Diagnostics;

namespace SRegistry.Tests.Infrastructure;

/// <summary>
/// SIFs laid out as SingularityCE and Apptainer builds lay them out, made with Debian's <c>siftool</c> and
/// <c>mksquashfs</c>: definition file, JSON labels, JSON inspect metadata and a real squashfs primary partition,
/// all in object group 1 (what <c>singularity sign</c> signs). Any part can be left out or replaced by hostile bytes.
/// </summary>
public sealed class BuiltSifs : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sreg-built-").FullName;

    public static bool Available => SifFiles.SiftoolAvailable && File.Exists("/usr/bin/mksquashfs");

    public const string Definition = "Bootstrap: docker\nFrom: debian:bookworm\n\n%post\n    apt-get update && apt-get install -y wsclean\n\n%labels\n    org.label-schema.version 3.4\n";
    public const string Labels = "{\"org.label-schema.version\":\"3.4\",\"org.label-schema.schema-version\":\"1.0\",\"maintainer\":\"Radio Astronomy <ra@example.org>\"}";

    public async Task<(string Path, string Hash, long Size)> CreateAsync(string? definition = Definition, string? labels = Labels,
        bool metadata = true, string arch = "amd64", string? name = null, int randomBytes = 0)
    {
        name ??= Guid.NewGuid().ToString("N");
        var sif = Path.Combine(Folder, name + ".sif");
        await RunAsync("siftool", "new", sif);
        if (definition is not null)
        {
            await AddAsync(sif, "1", "Singularity", definition);
        }
        if (labels is not null)
        {
            await AddAsync(sif, "3", "labels.json", labels);
        }
        if (metadata)
        {
            await AddAsync(sif, "6", "inspect-metadata.json", "{\"attributes\":{\"deffile\":\"(see definition)\"},\"type\":\"container\"}");
        }
        var root = Directory.CreateDirectory(Path.Combine(Folder, name + "-root"));
        Directory.CreateDirectory(Path.Combine(root.FullName, ".singularity.d"));
        await File.WriteAllTextAsync(Path.Combine(root.FullName, ".singularity.d", "runscript"), "#!/bin/sh\nexec wsclean \"$@\"\n");
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "README"), $"built for {arch} {name}\n");
        if (randomBytes > 0)
        {
            // Incompressible, so the partition (and the signature after it) lies beyond the first megabytes.
            await File.WriteAllBytesAsync(Path.Combine(root.FullName, "data.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(randomBytes));
        }
        var squashfs = Path.Combine(Folder, name + ".squashfs");
        await RunAsync("mksquashfs", root.FullName, squashfs, "-noappend", "-quiet", "-no-progress");
        var archCode = Array.IndexOf(["", "386", "amd64", "arm", "arm64"], arch).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync("siftool", "add", "--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", archCode,
            "--groupid", "1", "--filename", "rootfs", sif, squashfs);
        File.Delete(squashfs);
        Directory.Delete(root.FullName, recursive: true);
        return (sif, "sha256." + await SifFiles.Sha256Async(sif), new FileInfo(sif).Length);
    }

    /// <summary>The same file's hash and size again, after it was signed or tampered with.</summary>
    public static async Task<(string Path, string Hash, long Size)> DescribeAsync(string path) =>
        (path, "sha256." + await SifFiles.Sha256Async(path), new FileInfo(path).Length);

    private async Task AddAsync(string sif, string dataType, string objectName, string content)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(path, content);
        await RunAsync("siftool", "add", "--datatype", dataType, "--groupid", "1", "--filename", objectName, sif, path);
        File.Delete(path);
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {await stderr}");
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
