using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SRegistry.Core.Model;

namespace SRegistry.Core.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.HasKey(u => u.Id);
        b.Property(u => u.Id).HasMaxLength(32);
        b.Property(u => u.Username).HasMaxLength(128);
        b.HasIndex(u => u.Username).IsUnique();
        // An OIDC account is its provider's issuer + subject; subjects alone may repeat across providers.
        b.HasIndex(u => new { u.ExternalIssuer, u.ExternalSubject }).IsUnique();
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.HasKey(t => t.Id);
        b.HasIndex(t => t.SecretHash).IsUnique();
        b.HasIndex(t => t.UserId);
        b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
