using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ImageContentsAndSignedOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "RequireSignedImages",
                table: "Collections",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ImageContents",
                columns: table => new
                {
                    ImageId = table.Column<string>(type: "TEXT", nullable: false),
                    LaunchScript = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SifId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    SifCreatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DefinitionFile = table.Column<string>(type: "TEXT", nullable: true),
                    DefinitionBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    LabelsJson = table.Column<string>(type: "TEXT", nullable: false),
                    LabelsText = table.Column<string>(type: "TEXT", nullable: false),
                    LabelsProblem = table.Column<string>(type: "TEXT", nullable: true),
                    MetadataJson = table.Column<string>(type: "TEXT", nullable: false),
                    PartitionsJson = table.Column<string>(type: "TEXT", nullable: false),
                    SignaturesJson = table.Column<string>(type: "TEXT", nullable: false),
                    UnsignedGroupsJson = table.Column<string>(type: "TEXT", nullable: false),
                    SignatureState = table.Column<int>(type: "INTEGER", nullable: false),
                    VerdictsJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReadAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CheckedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageContents", x => x.ImageId);
                    table.ForeignKey(
                        name: "FK_ImageContents_Images_ImageId",
                        column: x => x.ImageId,
                        principalTable: "Images",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ImageContents_SignatureState",
                table: "ImageContents",
                column: "SignatureState");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ImageContents");

            migrationBuilder.DropColumn(
                name: "RequireSignedImages",
                table: "Collections");
        }
    }
}
