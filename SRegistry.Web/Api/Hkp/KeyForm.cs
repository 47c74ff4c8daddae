using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using SRegistry.Core.Keys;
using SRegistry.Web.Api.Library;

namespace SRegistry.Web.Api.Hkp;

/// <summary>
/// The body of <c>/pks/add</c>: the <c>keytext</c> field of a URL-encoded form no larger than the keyserver's limit,
/// bound once as an endpoint parameter. A refused form is answered with 400 before the handler runs.
/// </summary>
public sealed class KeyForm : IRequestBody
{
    private KeyForm(string? keyText, string? error)
    {
        KeyText = keyText ?? "";
        Error = error is null ? null : LibraryError.BadRequest(error);
    }

    public string KeyText { get; }

    public LibraryError? Error { get; }

    public static async ValueTask<KeyForm> BindAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Refused("send the key as an application/x-www-form-urlencoded form with the field keytext");
        }
        var limit = Keyserver.MaxBodyBytes;
        var tooLarge = $"the request body is larger than {limit / 1024} KiB; a public key is a few KiB (push only public keys)";
        if (request.ContentLength > limit)
        {
            return Refused(tooLarge);
        }
        var buffer = new byte[limit + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
        }
        if (length > limit)
        {
            return Refused(tooLarge);
        }
        string body;
        try
        {
            body = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return Refused("the form body is not valid UTF-8 text");
        }
        var form = QueryHelpers.ParseQuery(body);
        if (!form.TryGetValue("keytext", out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return Refused("the form field keytext is missing or empty: it carries the ASCII-armoured public key");
        }
        return values.Count > 1 ? Refused("the form field keytext is given more than once") : new KeyForm(values[0], null);
    }

    private static KeyForm Refused(string error) => new(null, error);
}
