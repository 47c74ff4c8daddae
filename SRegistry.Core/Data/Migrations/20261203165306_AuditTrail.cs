using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nothing wrote AuditEvents before this migration, so replacing Subject by Target loses no data.
            migrationBuilder.DropColumn(
                name: "Subject",
                table: "AuditEvents");

            migrationBuilder.AddColumn<string>(
                name: "Details",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Target",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 512,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Username",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Action_At",
                table: "AuditEvents",
                columns: new[] { "Action", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Username_At",
                table: "AuditEvents",
                columns: new[] { "Username", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Action_At",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Username_At",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Details",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Target",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Username",
                table: "AuditEvents");

            migrationBuilder.AddColumn<string>(
                name: "Subject",
                table: "AuditEvents",
                type: "TEXT",
                nullable: false,
                defaultValue: "");
        }
    }
}
