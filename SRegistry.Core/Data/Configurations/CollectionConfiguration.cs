using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class CollectionConfiguration : IEntityTypeConfiguration<Collection>
{
    public void Configure(EntityTypeBuilder<Collection> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.Name).HasMaxLength(128);
        b.HasIndex(c => c.Name).IsUnique();
        b.HasIndex(c => c.OwnerId);
        b.HasOne(c => c.Owner).WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
        // A deleted team's collections go back to being charged to their owners.
        b.HasOne(c => c.ChargedTeam).WithMany().HasForeignKey(c => c.ChargedTeamId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class CollectionTeamConfiguration : IEntityTypeConfiguration<CollectionTeam>
{
    public void Configure(EntityTypeBuilder<CollectionTeam> b)
    {
        b.HasKey(ct => new { ct.CollectionId, ct.TeamId });
        b.HasIndex(ct => ct.TeamId);
        b.HasOne(ct => ct.Collection).WithMany(c => c.Teams).HasForeignKey(ct => ct.CollectionId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(ct => ct.Team).WithMany().HasForeignKey(ct => ct.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContainerConfiguration : IEntityTypeConfiguration<Container>
{
    public void Configure(EntityTypeBuilder<Container> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.Name).HasMaxLength(128);
        b.HasIndex(c => new { c.CollectionId, c.Name }).IsUnique();
        b.HasOne(c => c.Collection).WithMany(c => c.Containers).HasForeignKey(c => c.CollectionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContainerPullDayConfiguration : IEntityTypeConfiguration<ContainerPullDay>
{
    public void Configure(EntityTypeBuilder<ContainerPullDay> b)
    {
        // The key is what the download path upserts on, and what the chart reads a range of.
        b.HasKey(d => new { d.ContainerId, d.Day });
        b.HasOne<Container>().WithMany().HasForeignKey(d => d.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImageConfiguration : IEntityTypeConfiguration<Image>
{
    public void Configure(EntityTypeBuilder<Image> b)
    {
        b.HasKey(i => i.Id);
        b.Property(i => i.Hash).HasMaxLength(71);
        b.HasIndex(i => new { i.ContainerId, i.Hash }).IsUnique();
        b.HasIndex(i => i.Hash);
        b.HasOne(i => i.Container).WithMany(c => c.Images).HasForeignKey(i => i.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TagConfiguration : IEntityTypeConfiguration<Tag>
{
    public void Configure(EntityTypeBuilder<Tag> b)
    {
        b.HasKey(t => new { t.ContainerId, t.Arch, t.Name });
        b.HasIndex(t => t.ImageId);
        b.HasOne(t => t.Container).WithMany(c => c.Tags).HasForeignKey(t => t.ContainerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(t => t.Image).WithMany().HasForeignKey(t => t.ImageId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImageContentsConfiguration : IEntityTypeConfiguration<ImageContents>
{
    public void Configure(EntityTypeBuilder<ImageContents> b)
    {
        b.HasKey(c => c.ImageId);
        b.HasOne<Image>().WithOne().HasForeignKey<ImageContents>(c => c.ImageId).OnDelete(DeleteBehavior.Cascade);
        b.Property(c => c.LaunchScript).HasMaxLength(64);
        b.Property(c => c.SifId).HasMaxLength(36);
        // search --signed filters on it.
        b.HasIndex(c => c.SignatureState);
    }
}
