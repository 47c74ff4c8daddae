using SRegistry.Core;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddRegistryCore(builder.Configuration);

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.Run();
