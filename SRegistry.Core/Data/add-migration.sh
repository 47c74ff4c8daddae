#!/usr/bin/env bash
# Adds one EF Core migration to both providers' committed migrations:
#   SQLite     -> SRegistry.Core/Data/Migrations
#   PostgreSQL -> SRegistry.Migrations.PostgreSql/Migrations
# Usage: SRegistry.Core/Data/add-migration.sh <MigrationName>
# No database is needed: the provider is chosen by the app's own settings, passed after "--".
set -euo pipefail
name=${1:?usage: add-migration.sh <MigrationName>}
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
dotnet ef migrations add "$name" --project SRegistry.Core --startup-project SRegistry.Web \
  --output-dir Data/Migrations -- --Database:Provider=Sqlite
dotnet ef migrations add "$name" --project SRegistry.Migrations.PostgreSql --startup-project SRegistry.Web \
  --output-dir Migrations -- --Database:Provider=PostgreSql "--ConnectionStrings:Registry=Host=localhost;Database=design-time"
