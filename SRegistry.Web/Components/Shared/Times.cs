using System.Globalization;

namespace SRegistry.Web.Components.Shared;

/// <summary>
/// How the dashboard writes times: in UTC and saying so, because the registry's users sit in many time zones and a
/// bare "16:35" is read as local. Dates alone need no zone.
/// </summary>
public static class Times
{
    public static string Minute(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Second(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Day(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
