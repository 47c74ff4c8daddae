using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Migrations.PostgreSql.Migrations
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

            migrationBuilder.AlterColumn<string>(
                name: "RemoteAddress",
                table: "AuditEvents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Action",
                table: "AuditEvents",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<string>(
                name: "Details",
                table: "AuditEvents",
                type: "character varying(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Target",
                table: "AuditEvents",
                type: "character varying(512)",
                maxLength: 512,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Username",
                table: "AuditEvents",
                type: "character varying(64)",
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

            migrationBuilder.AlterColumn<string>(
                name: "RemoteAddress",
                table: "AuditEvents",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Action",
                table: "AuditEvents",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(32)",
                oldMaxLength: 32);

            migrationBuilder.AddColumn<string>(
                name: "Subject",
                table: "AuditEvents",
                type: "text",
                nullable: false,
                defaultValue: "");
        }
    }
}
