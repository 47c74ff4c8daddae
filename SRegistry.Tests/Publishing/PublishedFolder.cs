using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace SRegistry.Tests.Publishing;

/// <summary>
/// A publish folder on disk, as the tests see it: the files under their final names (never the writer's temporary
/// names), a reader that hashes every published file in a loop, and waits for the folder to reach a state.
/// </summary>
public sealed class PublishedFolder : IDisposable
{
    private readonly bool owned;

    /// <summary>A new temporary folder (deleted on dispose), or a view of <paramref name="root"/>.</summary>
    public PublishedFolder(string? root = null)
    {
        owned = root is null;
        Root = root ?? Directory.CreateTempSubdirectory("sreg-publish-").FullName;
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Final names only, relative with '/' (temporary names start with '.').</summary>
    public List<string> Files() => !Directory.Exists(Root) ? [] : [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).StartsWith('.'))
        .Select(f => Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/'))
        .Order(StringComparer.Ordinal)];

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return "sha256." + Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Null when the file is absent (also when the publisher replaces or removes it while this looks).</summary>
    public string? HashAt(string relative)
    {
        try
        {
            return Sha256Of(PathOf(relative));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Waits until every given path holds the given hash (null: absent).</summary>
    public async Task WaitForAsync(IReadOnlyDictionary<string, string?> expected, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var wrong = expected.Where(e => HashAt(e.Key) != e.Value).Select(e => $"{e.Key}: want {e.Value ?? "absent"}, have {HashAt(e.Key) ?? "absent"}").ToList();
            if (wrong.Count == 0)
            {
                return;
            }
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("the publish folder did not catch up: " + string.Join("; ", wrong));
            }
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Which images each path may hold while a test runs: a path gets the images the test moves there, before it moves
    /// them (a tag being moved holds the old or the new one). Only ever grows, since a reader may still be hashing a
    /// file it opened before a move.
    /// </summary>
    public sealed class ExpectedImages
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> byPath = new(StringComparer.Ordinal);

        public ExpectedImages Allow(string path, string hash)
        {
            byPath.GetOrAdd(path, _ => new(StringComparer.Ordinal))[hash] = true;
            return this;
        }

        public bool IsAllowed(string path, string hash) => byPath.TryGetValue(path, out var hashes) && hashes.ContainsKey(hash);
    }

    /// <summary>
    /// Reads every published file again and again until stopped, and notes each read whose bytes are not an image that
    /// path may hold (a partial or mixed file, or one at the wrong path). A file may vanish between listing and
    /// reading; it may never be wrong.
    /// </summary>
    public sealed class Reader(PublishedFolder folder, ExpectedImages expected) : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private Task? loop;

        private int reads;

        public int Reads => Volatile.Read(ref reads);
        public ConcurrentQueue<string> Wrong { get; } = new();

        public Reader Start()
        {
            loop = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var file in folder.Files())
                    {
                        try
                        {
                            var hash = Sha256Of(folder.PathOf(file));
                            Interlocked.Increment(ref reads);
                            if (!expected.IsAllowed(file, hash))
                            {
                                Wrong.Enqueue($"{file} held {hash}");
                            }
                        }
                        catch (FileNotFoundException)
                        {
                            // Untagged between the listing and the read.
                        }
                        catch (DirectoryNotFoundException)
                        {
                        }
                    }
                    await Task.Yield();
                }
            });
            return this;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            if (loop is not null)
            {
                await loop;
            }
            stop.Dispose();
        }
    }

    public void Dispose()
    {
        if (!owned)
        {
            return;
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Temp folder: the OS cleans it.
        }
    }
}
