using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SRegistry.Core.Data;

namespace SRegistry.Core.Statistics;

/// <summary>
/// Gauges read from the database when metrics are collected: uploads in progress and stored bytes. One meter per app,
/// disposed with it, so an app that stops (a test server, a restarted host) leaves no callback behind on its database.
/// </summary>
public sealed class StoreGauges : IDisposable
{
    private readonly Meter meter = new(RegistryMetrics.MeterName);
    private readonly IServiceScopeFactory scopes;

    public StoreGauges(IServiceScopeFactory scopes)
    {
        this.scopes = scopes;
        meter.CreateObservableGauge("uploads.in_progress", () => Read(db => db.UploadSessions.LongCount()),
            description: "upload sessions not yet completed or expired");
        meter.CreateObservableGauge("storage.stored_bytes", () => Read(db => db.Database.SqlQueryRaw<long>("""
                SELECT COALESCE(SUM("Size"), 0) AS "Value" FROM (SELECT DISTINCT "Hash", "Size" FROM "Images" WHERE "IsUploaded") AS blobs
                """).AsEnumerable().Single()),
            unit: "By", description: "bytes of distinct published images (each blob counted once)");
    }

    private IEnumerable<Measurement<long>> Read(Func<RegistryDbContext, long> query)
    {
        try
        {
            using var scope = scopes.CreateScope();
            return [new Measurement<long>(query(scope.ServiceProvider.GetRequiredService<RegistryDbContext>()))];
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            // A collection during a database outage reports nothing for the gauge rather than failing the whole page.
            return [];
        }
    }

    public void Dispose() => meter.Dispose();
}
