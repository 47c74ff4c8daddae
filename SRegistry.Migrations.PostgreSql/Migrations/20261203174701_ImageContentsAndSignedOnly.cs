using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SRegistry.Migrations.PostgreSql.Migrations
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ImageContents",
                columns: table => new
                {
                    ImageId = table.Column<string>(type: "text", nullable: false),
                    LaunchScript = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SifId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    SifCreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    DefinitionFile = table.Column<string>(type: "text", nullable: true),
                    DefinitionBytes = table.Column<long>(type: "bigint", nullable: false),
                    LabelsJson = table.Column<string>(type: "text", nullable: false),
                    LabelsText = table.Column<string>(type: "text", nullable: false),
                    LabelsProblem = table.Column<string>(type: "text", nullable: true),
                    MetadataJson = table.Column<string>(type: "text", nullable: false),
                    PartitionsJson = table.Column<string>(type: "text", nullable: false),
                    SignaturesJson = table.Column<string>(type: "text", nullable: false),
                    UnsignedGroupsJson = table.Column<string>(type: "text", nullable: false),
                    SignatureState = table.Column<int>(type: "integer", nullable: false),
                    VerdictsJson = table.Column<string>(type: "text", nullable: false),
                    ReadAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CheckedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
