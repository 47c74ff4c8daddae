using Microsoft.Extensions.Options;
using SRegistry.Core.Data;
using SRegistry.Core.Publishing;

namespace SRegistry.Web.Hosting;

/// <summary>
/// Keeps the publish folder in step with the registry: a round right after every change (pokes from
/// <see cref="PublishTrigger"/>), and one every <see cref="PublishOptions.CheckInterval"/> that also looks at the files
/// themselves. With several replicas, whoever holds the database lock publishes; the others skip the round.
/// </summary>
public sealed partial class PublishWorker(IServiceScopeFactory scopes, DatabaseLocks locks, PublishSignal signal, IOptions<PublishOptions> options,
    ILogger<PublishWorker> log) : BackgroundService
{
    public const string LockName = "publisher";
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var checkFiles = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.CheckInterval;
            try
            {
                // Skipped while someone else publishes (another replica, the reconcile command): look again soon, so
                // the change that woke this round is not left waiting for the next check.
                if (await RunOnceAsync(checkFiles, stoppingToken) is null)
                {
                    wait = wait < RetryAfterFailure ? wait : RetryAfterFailure;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, e);
                wait = wait < RetryAfterFailure ? wait : RetryAfterFailure;
            }
            checkFiles = !await signal.WaitAsync(wait, stoppingToken);
        }
    }

    /// <summary>One round, if no other replica is running one; null when it was skipped.</summary>
    public async Task<PublishReport?> RunOnceAsync(bool checkFiles, CancellationToken ct)
    {
        await using var leader = await locks.TryAcquireAsync(LockName, ct);
        if (leader is null)
        {
            return null;
        }
        using var scope = scopes.CreateScope();
        var report = await scope.ServiceProvider.GetRequiredService<FolderMirror>().ReconcileAsync(dryRun: false, checkFiles, ct);
        if (report.ChangedAnything)
        {
            LogRound(log, report.Added.Count, report.Replaced.Count, report.Removed.Count);
        }
        foreach (var problem in report.Problems)
        {
            LogProblem(log, LogText.Escape(problem));
        }
        return report;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publish folder: {Added} added, {Replaced} replaced, {Removed} removed")]
    private static partial void LogRound(ILogger logger, int added, int replaced, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish folder: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
