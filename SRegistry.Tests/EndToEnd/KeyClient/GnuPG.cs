using System.Diagnostics;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>
/// Debian's GnuPG in a throwaway home folder: real keys, made with <c>--batch --quick-gen-key</c> and no passphrase.
/// Disposing stops the agent gpg started for that home and deletes the folder.
/// </summary>
public sealed class GnuPG : IDisposable
{
    /// <summary>Short on purpose: the agent's socket path must fit in a Unix socket address.</summary>
    public string Home { get; } = Directory.CreateTempSubdirectory("sreg-gpg-").FullName;

    public static bool Available => File.Exists("/usr/bin/gpg") && File.Exists("/usr/bin/gpgconf");

    /// <summary>Makes a key and returns its fingerprint. <paramref name="algorithm"/> as gpg names it (ed25519, rsa2048…).</summary>
    public async Task<string> GenerateAsync(string userId, string algorithm = "ed25519", string expires = "never", DateTimeOffset? madeAt = null)
    {
        List<string> args = ["--status-fd", "1", "--passphrase", "", "--quick-gen-key", userId, algorithm, "sign", expires];
        if (madeAt is { } at)
        {
            args.InsertRange(0, ["--faked-system-time", at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", System.Globalization.CultureInfo.InvariantCulture)]);
        }
        var status = await RunAsync([.. args]);
        var created = status.Split('\n').Single(l => l.StartsWith("[GNUPG:] KEY_CREATED", StringComparison.Ordinal));
        return created.Split(' ')[^1].Trim();
    }

    public async Task AddUserIdAsync(string fingerprint, string userId) => await RunAsync("--quick-add-uid", fingerprint, userId);

    /// <summary>Adds a signing subkey and returns its fingerprint.</summary>
    public async Task<string> AddSigningSubkeyAsync(string fingerprint)
    {
        var before = await SubkeysAsync(fingerprint);
        await RunAsync("--passphrase", "", "--quick-add-key", fingerprint, "ed25519", "sign", "never");
        return (await SubkeysAsync(fingerprint)).Except(before).Single();
    }

    /// <summary>Applies the revocation certificate gpg wrote when it made the key.</summary>
    public async Task RevokeAsync(string fingerprint)
    {
        var certificate = await File.ReadAllTextAsync(Path.Combine(Home, "openpgp-revocs.d", fingerprint + ".rev"));
        // gpg guards the certificate against accidental import with a leading colon.
        var path = Path.Combine(Home, fingerprint + ".rev.asc");
        await File.WriteAllTextAsync(path, certificate.Replace(":-----BEGIN", "-----BEGIN", StringComparison.Ordinal));
        await RunAsync("--import", path);
    }

    public Task<string> ExportAsync(params string[] fingerprints) => RunAsync(["--armor", "--export", .. fingerprints]);

    public Task<string> ExportSecretAsync(string fingerprint) => RunAsync("--passphrase", "", "--armor", "--export-secret-keys", fingerprint);

    /// <summary>Writes the armoured public key to a file and returns its path.</summary>
    public async Task<string> ExportToFileAsync(string fingerprint, bool secret = false)
    {
        var path = Path.Combine(Home, $"{fingerprint}.{(secret ? "sec" : "pub")}.asc");
        await File.WriteAllTextAsync(path, secret ? await ExportSecretAsync(fingerprint) : await ExportAsync(fingerprint));
        return path;
    }

    private async Task<List<string>> SubkeysAsync(string fingerprint)
    {
        var listing = await RunAsync("--with-colons", "--list-keys", fingerprint);
        var lines = listing.Split('\n');
        var subkeys = new List<string>();
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (lines[i].StartsWith("sub:", StringComparison.Ordinal) && lines[i + 1].StartsWith("fpr:", StringComparison.Ordinal))
            {
                subkeys.Add(lines[i + 1].Split(':')[9]);
            }
        }
        return subkeys;
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("gpg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--homedir", Home, "--batch", "--pinentry-mode", "loopback", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"gpg {string.Join(' ', args)} failed: {await stderr}");
        }
        return await stdout;
    }

    public void Dispose()
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("gpgconf", ["--homedir", Home, "--kill", "all"]) { RedirectStandardError = true });
            kill?.WaitForExit(10_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No gpgconf: no agent was started either.
        }
        // The agent removes its sockets as it exits, which can race the first delete.
        for (var attempt = 0; attempt < 5 && Directory.Exists(Home); attempt++)
        {
            try
            {
                Directory.Delete(Home, recursive: true);
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
