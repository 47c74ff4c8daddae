using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class UploadSessionConfiguration : IEntityTypeConfiguration<UploadSession>
{
    public void Configure(EntityTypeBuilder<UploadSession> b)
    {
        b.HasKey(s => s.Id);
        b.HasIndex(s => s.ImageId);
        b.HasIndex(s => s.ExpiresAt);
        b.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(s => s.State).HasConversion<string>().HasMaxLength(16);
        b.HasOne(s => s.Image).WithMany().HasForeignKey(s => s.ImageId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(s => s.Parts).WithOne().HasForeignKey(p => p.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UploadPartConfiguration : IEntityTypeConfiguration<UploadPart>
{
    public void Configure(EntityTypeBuilder<UploadPart> b) => b.HasKey(p => new { p.SessionId, p.PartNumber });
}

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> b)
    {
        b.HasKey(k => k.Fingerprint);
        b.Property(k => k.Fingerprint).HasMaxLength(64);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Username).HasMaxLength(64);
        b.Property(e => e.Action).HasMaxLength(32);
        b.Property(e => e.Target).HasMaxLength(AuditEvent.MaxTargetLength);
        b.Property(e => e.Details).HasMaxLength(AuditEvent.MaxDetailsLength);
        b.Property(e => e.RemoteAddress).HasMaxLength(64);
        // The admin area filters by time, by user and by action.
        b.HasIndex(e => e.At);
        b.HasIndex(e => new { e.Username, e.At });
        b.HasIndex(e => new { e.Action, e.At });
    }
}
