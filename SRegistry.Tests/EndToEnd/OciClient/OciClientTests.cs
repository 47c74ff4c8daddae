using System.Net;
using System.Security.Cryptography;
using SRegistry.Tests.Infrastructure;
using SRegistry.Tests.Oci;

namespace SRegistry.Tests.EndToEnd.OciClient;

/// <summary>
/// A Go client on containers/image pushes a SIF artifact in 5 MiB chunks, as the Singularity/Apptainer OCI clients
/// do, streams a blob through containers/image's own PutBlob, and reads ranges back with its GetBlobAt: against the
/// reference registry, and against SRegistry once its OCI side is on (<see cref="OciRegistries.SRegistryServesOci"/>).
/// </summary>
public sealed class OciClientTests : IClassFixture<OciRegistries>, IDisposable
{
    private const int Chunk = 5 * 1024 * 1024;
    private readonly OciRegistries registries;
    private readonly SifFiles sifs = new();

    public OciClientTests(OciRegistries registries)
    {
        Assert.SkipUnless(OciClientDriver.Available && OciRegistries.ToolsAvailable && SifFiles.SiftoolAvailable,
            "Go, the containers/image source, docker-registry or siftool is not installed");
        this.registries = registries;
    }

    public static TheoryData<string> Targets => OciRegistries.Names;

    [Theory, MemberData(nameof(Targets))]
    public async Task A_chunked_SIF_push_reads_back_range_by_range_with_the_bytes_asked_for(string name)
    {
        var target = registries.LoginTarget(name);
        var sif = await sifs.CreateAsync(12 * 1024 * 1024);
        var bytes = await File.ReadAllBytesAsync(sif.Path);
        var digest = "sha256:" + sif.Hash["sha256.".Length..];

        var pushed = await OciClientDriver.RunAsync(target, "alice/goclient/sif", "v1", "push-sif", sif.Path);
        Assert.True(pushed.Succeeded, pushed.Stderr);
        Assert.Equal(digest, (string)pushed.Json["layer"]!);
        Assert.Equal((bytes.Length + Chunk - 1) / Chunk, (int)pushed.Json["patches"]!);

        (int Offset, int Length)[] ranges = [(0, 4096), (Chunk - 10, 20), (bytes.Length - 7, 7)];
        var pulled = await OciClientDriver.RunAsync(target, "alice/goclient/sif", "v1",
            ["pull-ranges", digest, .. ranges.Select(r => FormattableString.Invariant($"{r.Offset}:{r.Length}"))]);
        Assert.True(pulled.Succeeded, pulled.Stderr);
        var parts = pulled.Json["parts"]!.AsArray();
        Assert.Equal(ranges.Length, parts.Count);
        for (var i = 0; i < ranges.Length; i++)
        {
            Assert.Equal(ranges[i].Length, (int)parts[i]!["length"]!);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(ranges[i].Offset, ranges[i].Length))), (string)parts[i]!["sha256"]!);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task A_blob_streamed_by_containers_image_is_stored_under_its_digest(string name)
    {
        var target = registries.LoginTarget(name);
        var blob = await sifs.CreateNotSifAsync(3 * 1024 * 1024 + 17);

        var pushed = await OciClientDriver.RunAsync(target, "alice/goclient/stream", "v1", "push-stream", blob.Path);
        Assert.True(pushed.Succeeded, pushed.Stderr);
        var digest = "sha256:" + blob.Hash["sha256.".Length..];
        Assert.Equal(digest, (string)pushed.Json["digest"]!);

        using var http = target.Http();
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v2/alice/goclient/stream/blobs/{digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(blob.Size, head.Content.Headers.ContentLength);
    }

    public void Dispose() => sifs.Dispose();
}
