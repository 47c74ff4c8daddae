using SRegistry.Core;
using SRegistry.Web.Api.Admin;
using SRegistry.Web.Api.Hkp;
using SRegistry.Web.Api.Library;
using SRegistry.Web.Api.Oci;
using SRegistry.Web.Api.Oci.Auth;
using SRegistry.Web.Auth;
using SRegistry.Web.Cli;
using SRegistry.Web.Components;
using SRegistry.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddShippedDefaults();
builder.Services.AddRegistryCore(builder.Configuration);
builder.AddRegistryHosting();
builder.AddTrustedProxies();
builder.AddRegistryAuth();
builder.Services.AddLibraryApi();
builder.Services.AddOciApi();
builder.Services.AddOciAuth();
builder.AddRegistryWeb();

var app = builder.Build();
app.GuardDevelopmentSignIn();
await app.MigrateDatabaseAsync();
if (TokenCommand.Handles(args))
{
    return await TokenCommand.RunAsync(app.Services, args);
}
if (ImportSregistryCommand.Handles(args))
{
    return await ImportSregistryCommand.RunAsync(app.Services, args);
}
if (PublishCommand.Handles(args))
{
    return await PublishCommand.RunAsync(app.Services, args);
}
if (MaintenanceCommands.Handles(args))
{
    return await MaintenanceCommands.RunAsync(app.Services, args);
}
if (GarbageCommand.Handles(args))
{
    return await GarbageCommand.RunAsync(app.Services, args);
}
if (AuditCommand.Handles(args))
{
    return await AuditCommand.RunAsync(app.Services, args);
}

await app.ReconcileListedAdminsAsync();
app.UseTrustedProxies();
app.UseAuditOrigin();
app.UseSlashCollapsing();
app.UseRequestLog();
await app.UseRegistryMetricsAsync();
app.UseApiErrors();
app.UseAuthentication();
app.UseTokenThrottle();
app.UseAuthorization();
app.MapHealthChecks("/healthz");
app.MapLibraryApi();
app.MapOciRegistry();
app.MapOciAuth();
app.MapKeyserver();
app.MapAuditExport();
app.MapRegistryWeb();
await app.RunAsync();
return 0;
