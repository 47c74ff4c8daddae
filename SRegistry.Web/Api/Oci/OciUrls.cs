namespace SRegistry.Web.Api.Oci;

/// <summary>The absolute URLs the OCI side hands out, on the configured public base (right behind a proxy).</summary>
public static class OciUrls
{
    public static string Repository(HttpContext context, string name) =>
        context.RequestServices.GetRequiredService<PublicUrls>().BaseUrl(context.Request) + "/v2/" + name;

    public static string Upload(HttpContext context, string name, string uploadId) => Repository(context, name) + "/blobs/uploads/" + uploadId;

    public static string Blob(HttpContext context, string name, string digest) => Repository(context, name) + "/blobs/" + digest;
}
