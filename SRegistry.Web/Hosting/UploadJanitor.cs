using SRegistry.Core.Data;
using SRegistry.Core.Uploads;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Removes expired upload sessions and leftovers of interrupted uploads, every few minutes. With several replicas
/// one of them does it per round: whoever holds the database lock; the others skip that round.
/// </summary>
public sealed partial class UploadJanitor(IServiceScopeFactory scopes, DatabaseLocks locks, ILogger<UploadJanitor> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
            }
        }
    }

    /// <summary>One round, if no other replica is running one; false when it was skipped.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        await using var leader = await locks.TryAcquireAsync("upload-janitor", ct);
        if (leader is null)
        {
            return false;
        }
        using var scope = scopes.CreateScope();
        await scope.ServiceProvider.GetRequiredService<UploadExpiry>().ExpireAsync(ct);
        await scope.ServiceProvider.GetRequiredService<SRegistry.Core.Oci.OciUploads>().ExpireAsync(ct);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload cleanup failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
