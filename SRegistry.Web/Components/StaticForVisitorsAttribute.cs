namespace SRegistry.Web.Components;

/// <summary>
/// A page a visitor who is not signed in can only read: for them it is rendered once on the server, with no circuit or
/// websocket (they can change nothing there). Signed-in users still get it live, with their owner controls.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StaticForVisitorsAttribute : Attribute;
