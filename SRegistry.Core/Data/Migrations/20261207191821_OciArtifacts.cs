using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class OciArtifacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "OciBlobLinks",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "TEXT", nullable: false),
                    Hex = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OciBlobLinks", x => new { x.ContainerId, x.Hex });
                    table.ForeignKey(
                        name: "FK_OciBlobLinks_Containers_ContainerId",
                        column: x => x.ContainerId,
                        principalTable: "Containers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OciManifests",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "TEXT", nullable: false),
                    Hex = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MediaType = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SubjectHex = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ArtifactType = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    AnnotationsJson = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OciManifests", x => new { x.ContainerId, x.Hex });
                    table.ForeignKey(
                        name: "FK_OciManifests_Containers_ContainerId",
                        column: x => x.ContainerId,
                        principalTable: "Containers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OciTags",
                columns: table => new
                {
                    ContainerId = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ManifestHex = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OciTags", x => new { x.ContainerId, x.Name });
                    table.ForeignKey(
                        name: "FK_OciTags_Containers_ContainerId",
                        column: x => x.ContainerId,
                        principalTable: "Containers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OciUploads",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ContainerId = table.Column<string>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Received = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OciUploads", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OciUploads_Containers_ContainerId",
                        column: x => x.ContainerId,
                        principalTable: "Containers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_OciBlobLinks_Hex",
                table: "OciBlobLinks",
                column: "Hex");

            migrationBuilder.CreateIndex(
                name: "IX_OciManifests_ContainerId_SubjectHex",
                table: "OciManifests",
                columns: new[] { "ContainerId", "SubjectHex" });

            migrationBuilder.CreateIndex(
                name: "IX_OciUploads_ContainerId",
                table: "OciUploads",
                column: "ContainerId");

            migrationBuilder.CreateIndex(
                name: "IX_OciUploads_ExpiresAt",
                table: "OciUploads",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OciBlobLinks");

            migrationBuilder.DropTable(
                name: "OciManifests");

            migrationBuilder.DropTable(
                name: "OciTags");

            migrationBuilder.DropTable(
                name: "OciUploads");
        }
    }
}
