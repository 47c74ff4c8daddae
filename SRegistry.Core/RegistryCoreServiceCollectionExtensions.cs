using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SRegistry.Core.Access;
using SRegistry.Core.Accounts;
using SRegistry.Core.Admin;
using SRegistry.Core.Audit;
using SRegistry.Core.Browsing;
using SRegistry.Core.Configuration;
using SRegistry.Core.Contents;
using SRegistry.Core.Data;
using SRegistry.Core.Keys;
using SRegistry.Core.Library;
using SRegistry.Core.Oci;
using SRegistry.Core.Publishing;
using SRegistry.Core.Quotas;
using SRegistry.Core.Storage;
using SRegistry.Core.Teams;
using SRegistry.Core.Uploads;
using SRegistry.Core.Maintenance;
using SRegistry.Core.Statistics;

namespace SRegistry.Core;

public static class RegistryCoreServiceCollectionExtensions
{
    /// <summary>Everything the registry needs whatever the front door: options, database, storage and services.</summary>
    public static IServiceCollection AddRegistryCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RegistryOptions>()
            .Bind(configuration.GetSection(RegistryOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Downloads.HasValidLocation, "Registry:Downloads:InternalLocation must be a path that starts and ends with '/'")
            .Validate(o => o.Oci.RedirectTokenLifetime >= TimeSpan.FromMinutes(1) && o.Oci.RedirectTokenLifetime <= TimeSpan.FromDays(7),
                "Registry:Oci:RedirectTokenLifetime must be between 00:01:00 and 7.00:00:00")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.AddDbContextPool<RegistryDbContext>((sp, db) =>
        {
            DatabaseOptions.Configure(db, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider,
                configuration.GetConnectionString("Registry"), sp.GetRequiredService<IOptions<RegistryOptions>>().Value.ResolveDataPath());
            db.AddInterceptors(sp.GetRequiredService<LookupCacheInvalidator>(), sp.GetRequiredService<PublishTrigger>());
        });

        services.AddSingleton(sp => new DatabaseLocks(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider,
            configuration.GetConnectionString("Registry")));
        services.AddSingleton<LookupCache>();
        services.AddSingleton<PullCounter>();
        services.AddSingleton<StoreGauges>();
        services.AddScoped<StoreCheck>();
        services.AddScoped<RegistryBackup>();
        services.AddSingleton<LookupCacheInvalidator>();
        services.AddSingleton<DataFolder>();
        services.AddOptions<BlobStoreOptions>().Bind(configuration.GetSection(BlobStoreOptions.Section)).ValidateDataAnnotations();
        services.AddSingleton<TransferCounters>();
        services.AddSingleton<LocalBlobStore>();
        services.AddSingleton<S3BlobStore>();
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<IOptions<BlobStoreOptions>>().Value.Kind == BlobStoreKind.S3
            ? sp.GetRequiredService<S3BlobStore>()
            : sp.GetRequiredService<LocalBlobStore>());
        services.AddSingleton<BlobLocks>();
        services.AddUploads();
        services.AddSingleton<FailedTokenLimiter>();
        services.AddScoped<AuditOrigin>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<TokenService>();
        services.AddScoped<UserAccounts>();
        services.AddScoped<ExternalAccounts>();
        services.AddScoped<ListedAdmins>();
        services.AddScoped<CollectionAccess>();
        services.AddScoped<LibraryEntities>();
        services.AddScoped<LibraryCollections>();
        services.AddScoped<LibraryContainers>();
        services.AddScoped<RepositoryGrants>();
        services.AddSingleton<ImageLookup>();
        services.AddScoped<ImageCatalog>();
        services.AddScoped<ImageDownloads>();
        services.AddScoped<ArchTagging>();
        services.AddScoped<LibrarySearch>();
        services.AddScoped<QuotaAccounting>();
        services.AddScoped<ImageContentsService>();
        services.AddScoped<ImageContentsQuery>();
        services.AddScoped<SignedOnlyCollections>();
        services.AddScoped<TeamService>();
        services.AddScoped<TeamInvitations>();
        services.AddScoped<TeamBrowsing>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<CollectionBrowsing>();
        services.AddScoped<ContainerBrowsing>();
        services.AddSingleton<ParsedKeyCache>();
        services.AddScoped<Keyserver>();
        services.AddScoped<PublishedKeys>();
        services.AddScoped<IValidator<NewCollection>, NewCollectionValidator>();
        services.AddScoped<IValidator<NewToken>, NewTokenValidator>();
        services.AddScoped<IValidator<NewTeam>, NewTeamValidator>();
        // Lifecycle: quotas, garbage collection, pull statistics.
        services.AddSingleton<QuotaGate>();
        services.AddScoped<QuotaAdministration>();
        services.AddScoped<IValidator<QuotaOverride>, QuotaOverrideValidator>();
        services.AddScoped<GarbageCollector>();
        services.AddScoped<PullHistory>();
        // Publishing to a shared folder.
        services.AddOptions<PublishOptions>().Bind(configuration.GetSection(PublishOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublishOptions>, PublishOptionsValidator>();
        services.AddSingleton<PublishSignal>();
        services.AddSingleton<PublishTrigger>();
        services.AddScoped<PublishPlan>();
        services.AddScoped<PublishedFileWriter>();
        services.AddScoped<FolderMirror>();
        services.AddScoped<PublishChoices>();
        // Readers, stars and tag annotations (sregistry's contributors, stars and labels).
        services.AddScoped<SRegistry.Core.Browsing.CollectionReaders>();
        services.AddScoped<SRegistry.Core.Browsing.CollectionStars>();
        services.AddScoped<SRegistry.Core.Browsing.TagAnnotations>();
        // Import from an sregistry instance.
        services.AddScoped<SRegistry.Core.Import.ImageImporter>();
        services.AddScoped<SRegistry.Core.Import.ContributorImporter>();
        services.AddScoped<SRegistry.Core.Import.LabelImporter>();
        services.AddScoped<SRegistry.Core.Import.StarImporter>();
        services.AddScoped<SRegistry.Core.Import.SregistryImporter>();
        services.AddOciRegistry();
        return services;
    }
}
