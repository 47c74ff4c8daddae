using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class LifecycleQuotasAndPulls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ChargedTeamId",
                table: "Collections",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ContainerPullDays",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "text", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Pulls = table.Column<long>(type: "bigint", nullable: false)
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

            migrationBuilder.AddForeignKey(
                name: "FK_Collections_Teams_ChargedTeamId",
                table: "Collections",
                column: "ChargedTeamId",
                principalTable: "Teams",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
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
