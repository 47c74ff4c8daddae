using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SRegistry.Core.Audit;
using SRegistry.Core.Data;
using SRegistry.Core.Model;
using SRegistry.Core.Storage;

namespace SRegistry.Core.Accounts;

/// <summary>Issues and checks API tokens. Secrets are shown once and stored only as SHA-256 hashes.</summary>
public sealed class TokenService(RegistryDbContext db, TimeProvider clock, AuditLog audit)
{
    private const string SecretPrefix = "sreg_";

    public sealed record IssuedToken(ApiToken Token, string Secret);

    public async Task<IssuedToken> IssueAsync(string userId, string name, DateTimeOffset? expiresAt, CancellationToken ct = default)
    {
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            UserId = userId,
            Name = name,
            SecretHash = Hash(secret),
            Prefix = secret[..(SecretPrefix.Length + 6)],
            CreatedAt = clock.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        db.ApiTokens.Add(token);
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Username).FirstOrDefaultAsync(ct);
        audit.Record(userId, owner, AuditActions.TokenCreate, owner ?? userId, $"'{name}' ({token.Prefix}…){(expiresAt is { } e ? $", expires {e:u}" : "")}");
        await db.SaveChangesAsync(ct);
        return new IssuedToken(token, secret);
    }

    /// <summary>The active user a secret belongs to, or null when it is unknown, expired, revoked or its user is disabled.</summary>
    public async Task<User?> ValidateAsync(string secret, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 256)
        {
            return null;
        }
        // Looking up by hash means no secret is ever compared character by character.
        var hash = Hash(secret);
        var now = clock.GetUtcNow();
        var token = await db.ApiTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.SecretHash == hash, ct);
        if (token?.User is null || token.RevokedAt is not null || token.User.IsDisabled || (token.ExpiresAt is { } exp && exp <= now))
        {
            return null;
        }
        // Coarse last-used tracking keeps token checks from writing on every request. Bookkeeping only: a full disk or
        // a busy database must not turn a valid token away (pulls go on while the disk is full).
        if (token.LastUsedAt is null || now - token.LastUsedAt.Value > TimeSpan.FromMinutes(1))
        {
            try
            {
                await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
                token.LastUsedAt = now;
            }
            catch (Exception e) when (StorageFaults.Classify(e) != StorageFault.None)
            {
                // Recorded at the next use.
            }
        }
        return token.User;
    }

    public Task<List<ApiToken>> ListAsync(string userId, CancellationToken ct = default) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(ct);

    public async Task<bool> RevokeAsync(string userId, string tokenId, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        if (token is null || token.RevokedAt is not null)
        {
            return false;
        }
        token.RevokedAt = clock.GetUtcNow();
        audit.Record(userId, token.User?.Username, AuditActions.TokenRevoke, token.User?.Username ?? userId, $"'{token.Name}' ({token.Prefix}…)");
        await db.SaveChangesAsync(ct);
        return true;
    }

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
