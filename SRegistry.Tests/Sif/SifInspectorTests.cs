using System.Buffers.Binary;
using SRegistry.Core.Sif;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Sif;

/// <summary>The SIF reader against files made by the real <c>siftool</c>, and against damaged copies of them.</summary>
public sealed class SifInspectorTests : IDisposable
{
    private const string Fingerprint = "433FE984155206BD962725E20E8713472A879943";
    private readonly SifFiles sifs = new();

    public SifInspectorTests() => Assert.SkipUnless(SifFiles.SiftoolAvailable, "siftool is not installed");

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    [InlineData("riscv64")]
    [InlineData("386")]
    public async Task Reads_the_primary_partitions_architecture(string arch)
    {
        var sif = await sifs.CreateAsync(4_000, arch);

        var info = SifInspector.InspectFile(sif.Path);

        Assert.True(info.IsValid, info.Error);
        Assert.Equal(arch, info.Arch);
        Assert.Empty(info.Signers);
    }

    [Fact]
    public async Task Reads_signers_from_signature_descriptors()
    {
        var sif = await sifs.CreateAsync(4_000);
        await sifs.AddSignatureDescriptorAsync(sif.Path, Fingerprint);
        await sifs.AddSignatureDescriptorAsync(sif.Path, Fingerprint.ToLowerInvariant());
        await sifs.AddSignatureDescriptorAsync(sif.Path, "0123456789ABCDEF0123456789ABCDEF01234567");

        var info = SifInspector.InspectFile(sif.Path);

        Assert.True(info.IsValid, info.Error);
        Assert.Equal([Fingerprint, "0123456789ABCDEF0123456789ABCDEF01234567"], info.Signers);
    }

    [Fact]
    public async Task Refuses_a_file_that_is_not_a_sif()
    {
        var notSif = await sifs.CreateNotSifAsync(10_000);

        var info = SifInspector.InspectFile(notSif.Path);

        Assert.False(info.IsValid);
        Assert.Contains("SIF_MAGIC", info.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_file_shorter_than_the_header()
    {
        var sif = await sifs.CreateAsync(4_000);
        TruncateTo(sif.Path, 100);

        Assert.Contains("too short", SifInspector.InspectFile(sif.Path).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_an_image_cut_off_inside_its_data()
    {
        var sif = await sifs.CreateAsync(40_000);
        TruncateTo(sif.Path, sif.Size - 1_000);

        var info = SifInspector.InspectFile(sif.Path);

        Assert.False(info.IsValid);
        Assert.Contains("outside the file", info.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_an_unknown_format_version()
    {
        var sif = await sifs.CreateAsync(4_000);
        Patch(sif.Path, 42, "99"u8);

        Assert.Contains("unsupported SIF format version '99'", SifInspector.InspectFile(sif.Path).Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1_000_000_000L)]
    [InlineData(long.MaxValue)]
    public async Task Refuses_an_absurd_descriptor_count(long total)
    {
        var sif = await sifs.CreateAsync(4_000);
        PatchInt64(sif.Path, 88, total);

        Assert.Contains("descriptor table", SifInspector.InspectFile(sif.Path).Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public async Task Refuses_a_descriptor_pointing_outside_the_file(long size)
    {
        var sif = await sifs.CreateAsync(4_000);
        var table = ReadInt64(sif.Path, 96);
        PatchInt64(sif.Path, table + 25, size);

        Assert.Contains("outside the file", SifInspector.InspectFile(sif.Path).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Falls_back_to_the_header_architecture_when_the_partition_does_not_say()
    {
        var sif = await sifs.CreateAsync(4_000, "arm64");
        var table = ReadInt64(sif.Path, 96);
        Patch(sif.Path, table + 201 + 8, "77\0"u8);

        Assert.Equal("arm64", SifInspector.InspectFile(sif.Path).Arch);
    }

    private static void TruncateTo(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open);
        file.SetLength(length);
    }

    private static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(file, bytes, offset);
    }

    private static void PatchInt64(string path, long offset, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Patch(path, offset, bytes);
    }

    private static long ReadInt64(string path, long offset)
    {
        Span<byte> bytes = stackalloc byte[8];
        using var file = File.OpenHandle(path);
        RandomAccess.Read(file, bytes, offset);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    public void Dispose() => sifs.Dispose();
}
