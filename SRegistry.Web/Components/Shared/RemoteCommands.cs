namespace SRegistry.Web.Components.Shared;

/// <summary>
/// The client commands for this server, exactly as they must be typed: <c>remote add</c> needs <c>--insecure</c> when
/// the server speaks plain http, or the client refuses it at login.
/// </summary>
public sealed class RemoteCommands(ServerAddress server)
{
    public const string RemoteName = "sregistry";

    public bool IsPlainHttp => new Uri(server.BaseUrl).Scheme == Uri.UriSchemeHttp;

    public string Add => $"singularity remote add --no-login{(IsPlainHttp ? " --insecure" : "")} {RemoteName} {server.BaseUrl}";

    public string Use => $"singularity remote use {RemoteName}";

    public string Login => $"singularity remote login {RemoteName}";

    public string Pull => $"singularity pull --library {server.BaseUrl} collection/container:tag";

    public string Push => "singularity push -U image.sif library://collection/container:tag";
}
