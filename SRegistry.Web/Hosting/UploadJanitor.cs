using SRegistry.Core.Uploads;

namespace SRegistry.Web.Hosting;

/// <summary>Removes expired upload sessions and leftovers of interrupted uploads, every few minutes.</summary>
public sealed partial class UploadJanitor(IServiceScopeFactory scopes, ILogger<UploadJanitor> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                using var scope = scopes.CreateScope();
                await scope.ServiceProvider.GetRequiredService<UploadService>().ExpireAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload cleanup failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
