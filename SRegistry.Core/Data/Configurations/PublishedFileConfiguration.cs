using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class PublishedFileConfiguration : IEntityTypeConfiguration<PublishedFile>
{
    public void Configure(EntityTypeBuilder<PublishedFile> b)
    {
        b.HasKey(f => f.Path);
        b.Property(f => f.Path).HasMaxLength(1024);
        b.Property(f => f.Hash).HasMaxLength(71);
    }
}
