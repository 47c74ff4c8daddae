using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class CollectionReaderConfiguration : IEntityTypeConfiguration<CollectionReader>
{
    public void Configure(EntityTypeBuilder<CollectionReader> b)
    {
        b.HasKey(r => new { r.CollectionId, r.UserId });
        b.HasIndex(r => r.UserId);
        b.HasOne(r => r.Collection).WithMany(c => c.Readers).HasForeignKey(r => r.CollectionId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(r => r.User).WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StarConfiguration : IEntityTypeConfiguration<Star>
{
    public void Configure(EntityTypeBuilder<Star> b)
    {
        b.HasKey(s => new { s.CollectionId, s.UserId });
        b.HasIndex(s => s.UserId);
        b.HasOne(s => s.Collection).WithMany(c => c.Stars).HasForeignKey(s => s.CollectionId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TagAnnotationConfiguration : IEntityTypeConfiguration<TagAnnotation>
{
    public void Configure(EntityTypeBuilder<TagAnnotation> b)
    {
        b.HasKey(a => new { a.ContainerId, a.Arch, a.TagName, a.Key, a.Value });
        b.Property(a => a.Key).HasMaxLength(TagAnnotation.MaxKeyLength);
        b.Property(a => a.Value).HasMaxLength(TagAnnotation.MaxValueLength);
        // An annotation belongs to its tag: removing the tag (or its container) removes it.
        b.HasOne(a => a.Tag).WithMany(t => t.Annotations).HasForeignKey(a => new { a.ContainerId, a.Arch, a.TagName }).OnDelete(DeleteBehavior.Cascade);
    }
}
