using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class OciBlobLinkConfiguration : IEntityTypeConfiguration<OciBlobLink>
{
    public void Configure(EntityTypeBuilder<OciBlobLink> b)
    {
        b.HasKey(l => new { l.ContainerId, l.Hex });
        b.Property(l => l.Hex).HasMaxLength(64);
        b.HasIndex(l => l.Hex);
        b.HasOne(l => l.Container).WithMany().HasForeignKey(l => l.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OciManifestConfiguration : IEntityTypeConfiguration<OciManifest>
{
    public void Configure(EntityTypeBuilder<OciManifest> b)
    {
        b.HasKey(m => new { m.ContainerId, m.Hex });
        b.Property(m => m.Hex).HasMaxLength(64);
        b.Property(m => m.SubjectHex).HasMaxLength(64);
        b.Property(m => m.MediaType).HasMaxLength(255);
        b.Property(m => m.ArtifactType).HasMaxLength(255);
        b.HasIndex(m => new { m.ContainerId, m.SubjectHex });
        b.HasOne(m => m.Container).WithMany().HasForeignKey(m => m.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OciTagConfiguration : IEntityTypeConfiguration<OciTag>
{
    public void Configure(EntityTypeBuilder<OciTag> b)
    {
        b.HasKey(t => new { t.ContainerId, t.Name });
        b.Property(t => t.Name).HasMaxLength(128);
        b.Property(t => t.ManifestHex).HasMaxLength(64);
        b.HasOne<Container>().WithMany().HasForeignKey(t => t.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OciUploadConfiguration : IEntityTypeConfiguration<OciUpload>
{
    public void Configure(EntityTypeBuilder<OciUpload> b)
    {
        b.HasKey(u => u.Id);
        b.HasIndex(u => u.ExpiresAt);
        b.HasOne<Container>().WithMany().HasForeignKey(u => u.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}
