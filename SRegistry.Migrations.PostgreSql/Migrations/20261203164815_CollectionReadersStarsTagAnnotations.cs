using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class CollectionReadersStarsTagAnnotations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CollectionReaders",
                columns: table => new
                {
                    CollectionId = table.Column<string>(type: "text", nullable: false),
                    UserId = table.Column<string>(type: "character varying(32)", nullable: false),
                    AddedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CollectionReaders", x => new { x.CollectionId, x.UserId });
                    table.ForeignKey(
                        name: "FK_CollectionReaders_Collections_CollectionId",
                        column: x => x.CollectionId,
                        principalTable: "Collections",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CollectionReaders_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Stars",
                columns: table => new
                {
                    CollectionId = table.Column<string>(type: "text", nullable: false),
                    UserId = table.Column<string>(type: "character varying(32)", nullable: false),
                    StarredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Stars", x => new { x.CollectionId, x.UserId });
                    table.ForeignKey(
                        name: "FK_Stars_Collections_CollectionId",
                        column: x => x.CollectionId,
                        principalTable: "Collections",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Stars_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TagAnnotations",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "text", nullable: false),
                    Arch = table.Column<string>(type: "text", nullable: false),
                    TagName = table.Column<string>(type: "text", nullable: false),
                    Key = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: false),
                    Value = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TagAnnotations", x => new { x.ContainerId, x.Arch, x.TagName, x.Key, x.Value });
                    table.ForeignKey(
                        name: "FK_TagAnnotations_Tags_ContainerId_Arch_TagName",
                        columns: x => new { x.ContainerId, x.Arch, x.TagName },
                        principalTable: "Tags",
                        principalColumns: new[] { "ContainerId", "Arch", "Name" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CollectionReaders_UserId",
                table: "CollectionReaders",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_Stars_UserId",
                table: "Stars",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CollectionReaders");

            migrationBuilder.DropTable(
                name: "Stars");

            migrationBuilder.DropTable(
                name: "TagAnnotations");
        }
    }
}
