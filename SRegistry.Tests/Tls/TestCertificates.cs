using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SRegistry.Tests.Tls;

/// <summary>
/// A throwaway certificate authority and a server certificate for 127.0.0.1 signed by it, made with the
/// <c>openssl</c> command as a site admin would, in a temp folder removed on dispose. Clients are told to trust
/// exactly this CA (the Go client through <c>SSL_CERT_FILE</c>, .NET through a custom root, Chromium by the key's pin).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "pfx-secret";

    private TestCertificates(string folder) => Folder = folder;

    public string Folder { get; }
    public string CaPem => Path.Combine(Folder, "ca.pem");
    public string ServerPem => Path.Combine(Folder, "server.pem");
    public string ServerKey => Path.Combine(Folder, "server.key");
    public string ServerPfx => Path.Combine(Folder, "server.pfx");

    public static bool Available => File.Exists("/usr/bin/openssl");

    public static async Task<TestCertificates> CreateAsync()
    {
        var made = new TestCertificates(Directory.CreateTempSubdirectory("sreg-tls-").FullName);
        await File.WriteAllTextAsync(Path.Combine(made.Folder, "server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        await made.OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=SRegistry Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await made.OpenSslAsync("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        await made.OpenSslAsync("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        await made.OpenSslAsync("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.pfx", "-passout", "pass:" + PfxPassword);
        return made;
    }

    /// <summary>Base64 SHA-256 of the server key's SubjectPublicKeyInfo: Chromium's <c>--ignore-certificate-errors-spki-list</c> pin.</summary>
    public string ServerKeyPin()
    {
        using var server = X509Certificate2.CreateFromPem(File.ReadAllText(ServerPem));
        return Convert.ToBase64String(SHA256.HashData(server.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>A handler that trusts only this CA (and still checks the host name), optionally connecting from a given loopback address.</summary>
    public SocketsHttpHandler TrustingHandler(System.Net.IPAddress? source = null)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaPem));
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
        if (source is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(source.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new System.Net.IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return handler;
    }

    private async Task OpenSslAsync(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {await stderr}");
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
            // Temp folder: the OS cleans it.
        }
    }
}
