using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class AccountsByIssuerAndAdminSources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Users_ExternalSubject",
                table: "Users");

            migrationBuilder.AddColumn<string>(
                name: "ExternalIssuer",
                table: "Users",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "GroupsCheckedAt",
                table: "Users",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "IsListedAdmin",
                table: "Users",
                type: "INTEGER",
                nullable: true);

            // Existing OIDC accounts got their groups at their last sign-in, which is when LastSeenAt was set.
            migrationBuilder.Sql("""UPDATE "Users" SET "GroupsCheckedAt" = "LastSeenAt" WHERE "ExternalSubject" IS NOT NULL;""");

            migrationBuilder.CreateIndex(
                name: "IX_Users_ExternalIssuer_ExternalSubject",
                table: "Users",
                columns: new[] { "ExternalIssuer", "ExternalSubject" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Users_ExternalIssuer_ExternalSubject",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "ExternalIssuer",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "GroupsCheckedAt",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "IsListedAdmin",
                table: "Users");

            migrationBuilder.CreateIndex(
                name: "IX_Users_ExternalSubject",
                table: "Users",
                column: "ExternalSubject",
                unique: true);
        }
    }
}
