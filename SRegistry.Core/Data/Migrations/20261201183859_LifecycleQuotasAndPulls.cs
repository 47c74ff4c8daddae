using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class LifecycleQuotasAndPulls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SQLite adds a column together with its foreign key in place. EF's AddForeignKey would rebuild the whole
            // Collections table with foreign keys off, outside the migration's transaction.
            migrationBuilder.Sql("""ALTER TABLE "Collections" ADD COLUMN "ChargedTeamId" TEXT NULL REFERENCES "Teams" ("Id") ON DELETE SET NULL;""");

            migrationBuilder.CreateTable(
                name: "ContainerPullDays",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "TEXT", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Pulls = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContainerPullDays", x => new { x.ContainerId, x.Day });
                    table.ForeignKey(
                        name: "FK_ContainerPullDays_Containers_ContainerId",
                        column: x => x.ContainerId,
                        principalTable: "Containers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Collections_ChargedTeamId",
                table: "Collections",
                column: "ChargedTeamId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Collections_Teams_ChargedTeamId",
                table: "Collections");

            migrationBuilder.DropTable(
                name: "ContainerPullDays");

            migrationBuilder.DropIndex(
                name: "IX_Collections_ChargedTeamId",
                table: "Collections");

            migrationBuilder.DropColumn(
                name: "ChargedTeamId",
                table: "Collections");
        }
    }
}
