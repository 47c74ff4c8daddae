using Microsoft.Extensions.Options;
using SRegistry.Core.Configuration;
using SRegistry.Core.Statistics;

namespace SRegistry.Web.Hosting;

/// <summary>Writes the pulls counted in memory every <see cref="RegistryOptions.PullCountFlushInterval"/>, and once more when the app stops.</summary>
public sealed partial class PullCountFlusher(PullCounter pulls, IOptions<RegistryOptions> options, ILogger<PullCountFlusher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PullCountFlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await pulls.FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(log, pulls.Pending, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing pull counts failed; {Pending} pulls kept for the next try")]
    private static partial void LogFailed(ILogger logger, long pending, Exception e);
}
