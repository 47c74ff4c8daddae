using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data;

/// <summary>The registry's database, on SQLite or PostgreSQL (<see cref="DatabaseOptions"/>); the model is the same on both.</summary>
public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<TeamInvite> TeamInvites => Set<TeamInvite>();
    public DbSet<Collection> Collections => Set<Collection>();
    public DbSet<CollectionTeam> CollectionTeams => Set<CollectionTeam>();
    public DbSet<CollectionReader> CollectionReaders => Set<CollectionReader>();
    public DbSet<Star> Stars => Set<Star>();
    public DbSet<TagAnnotation> TagAnnotations => Set<TagAnnotation>();
    public DbSet<Container> Containers => Set<Container>();
    public DbSet<Image> Images => Set<Image>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<ImageContents> ImageContents => Set<ImageContents>();
    public DbSet<ContainerPullDay> ContainerPullDays => Set<ContainerPullDay>();
    public DbSet<UploadSession> UploadSessions => Set<UploadSession>();
    public DbSet<UploadPart> UploadParts => Set<UploadPart>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<PublishedFile> PublishedFiles => Set<PublishedFile>();
    public DbSet<OciBlobLink> OciBlobLinks => Set<OciBlobLink>();
    public DbSet<OciManifest> OciManifests => Set<OciManifest>();
    public DbSet<OciTag> OciTags => Set<OciTag>();
    public DbSet<OciUpload> OciUploads => Set<OciUpload>();

    /// <summary>Signing keys for transfer URLs and cookies, shared by every replica (ASP.NET Core DataProtection).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RegistryDbContext).Assembly);
        LikePatterns.Register(modelBuilder);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset columns; all our times are UTC, so ticks order correctly.
        // PostgreSQL stores them natively as timestamptz (UTC only, which is all we write).
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }
}
