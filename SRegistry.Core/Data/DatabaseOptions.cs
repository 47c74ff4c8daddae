using Microsoft.EntityFrameworkCore;

namespace SRegistry.Core.Data;

public enum DatabaseProvider
{
    /// <summary>One file in the data folder (or <c>ConnectionStrings:Registry</c>): one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server named by <c>ConnectionStrings:Registry</c>: any number of replicas.</summary>
    PostgreSql,
}

/// <summary>The <c>Database</c> section: which EF Core provider the registry runs on.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Where PostgreSQL's migrations live (loaded by name: the web host references it, Core cannot).</summary>
    public const string PostgreSqlMigrationsAssembly = "SRegistry.Migrations.PostgreSql";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Points EF Core at the configured database, each provider with its own committed migrations.</summary>
    public static void Configure(DbContextOptionsBuilder db, DatabaseProvider provider, string? connectionString, string dataPath)
    {
        switch (provider)
        {
            case DatabaseProvider.PostgreSql:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Database:Provider is PostgreSql but ConnectionStrings:Registry is empty; set it to e.g. 'Host=db;Database=sregistry;Username=sregistry;Password=…'");
                }
                db.UseNpgsql(connectionString, pg => pg.MigrationsAssembly(PostgreSqlMigrationsAssembly));
                break;
            default:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    connectionString = $"Data Source={Path.Combine(dataPath, "registry.db")}";
                }
                db.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(RegistryDbContext).Assembly.FullName));
                break;
        }
    }
}
