package dev.iotpipeline.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCompatibilityGateTest {

    private static final Path SCHEMAS = Path.of("src/main/avro");
    private static final Path RELEASED = Path.of("released");
    private static final Path FIXTURES = Path.of("src/test/resources/compat");

    @TempDir
    Path work;

    @Test
    void currentSchemasPassAgainstTheirReleasedVersions() {
        var violations = new SchemaCompatibilityGate(SchemaCompatibilityGate.DEFAULT_MODE)
                .check(AvroSchemaFiles.parseDirectory(SCHEMAS), RELEASED);

        assertThat(violations).isEmpty();
        assertThat(SchemaCompatibilityGate.readReleased(RELEASED)).containsKeys(
                "dev.iotpipeline.schemas.canonical.EnvReading",
                "dev.iotpipeline.schemas.canonical.Position",
                "dev.iotpipeline.schemas.batch.EnvReadingBatch",
                "dev.iotpipeline.schemas.batch.PositionBatch");
    }

    @Test
    void changingAFieldTypeFailsTheBuildNamingTheField() throws IOException {
        Path dir = schemasWith("EnvReading-incompatible-type.avsc");

        assertThatThrownBy(() -> SchemaCompatibilityGate.main(
                new String[] {"check", dir.toString(), RELEASED.toString()}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dev.iotpipeline.schemas.canonical.EnvReading vs released version 1")
                .hasMessageContaining("humidity_pct");
    }

    @Test
    void theBreakAlsoReachesSchemasThatEmbedTheRecord() throws IOException {
        Path dir = schemasWith("EnvReading-incompatible-type.avsc");

        var violations = new SchemaCompatibilityGate(CompatibilityMode.BACKWARD)
                .check(AvroSchemaFiles.parseDirectory(dir), RELEASED);

        assertThat(violations).extracting(SchemaCompatibilityGate.Violation::schema)
                .contains("dev.iotpipeline.schemas.canonical.EnvReading", "dev.iotpipeline.schemas.batch.EnvReadingBatch")
                .doesNotContain("dev.iotpipeline.schemas.canonical.Position");
    }

    @Test
    void aNewFieldWithoutDefaultBreaksNewReadersOfOldData() throws IOException {
        Path dir = schemasWith("EnvReading-required-field.avsc");

        var violations = new SchemaCompatibilityGate(CompatibilityMode.FULL_TRANSITIVE)
                .check(AvroSchemaFiles.parseDirectory(dir), RELEASED);

        assertThat(violations).anySatisfy(v -> {
            assertThat(v.direction()).isEqualTo("new schema reading old data");
            assertThat(v.message()).contains("pressure_hpa");
        });
        // Old readers simply ignore the extra field: FORWARD alone would let it through.
        assertThat(new SchemaCompatibilityGate(CompatibilityMode.FORWARD)
                .check(AvroSchemaFiles.parseDirectory(dir), RELEASED)).isEmpty();
    }

    @Test
    void aNullableFieldWithDefaultIsACompatibleEvolution() throws IOException {
        Path dir = schemasWith("EnvReading-nullable-field.avsc");

        assertThat(new SchemaCompatibilityGate(CompatibilityMode.FULL_TRANSITIVE)
                .check(AvroSchemaFiles.parseDirectory(dir), RELEASED)).isEmpty();
    }

    @Test
    void removingAReleasedSchemaFails() throws IOException {
        Path dir = schemasWith(null);
        Files.delete(dir.resolve("Position.avsc"));
        Files.delete(dir.resolve("PositionBatch.avsc"));

        assertThat(new SchemaCompatibilityGate(CompatibilityMode.FULL_TRANSITIVE)
                .check(AvroSchemaFiles.parseDirectory(dir), RELEASED))
                .extracting(SchemaCompatibilityGate.Violation::direction)
                .containsOnly("removed")
                .hasSize(2);
    }

    @Test
    void releaseRecordsOnlyChangedSchemasAsTheNextVersion() throws IOException {
        Path released = work.resolve("released");
        SchemaCompatibilityGate.release(AvroSchemaFiles.parseDirectory(SCHEMAS), released);
        Path dir = schemasWith("EnvReading-nullable-field.avsc");

        List<Path> written = SchemaCompatibilityGate.release(AvroSchemaFiles.parseDirectory(dir), released);

        assertThat(written).extracting(p -> released.relativize(p).toString()).containsExactlyInAnyOrder(
                "dev.iotpipeline.schemas.canonical.EnvReading/2.avsc",
                "dev.iotpipeline.schemas.batch.EnvReadingBatch/2.avsc");
        assertThat(SchemaCompatibilityGate.readReleased(released).get("dev.iotpipeline.schemas.canonical.EnvReading"))
                .containsOnlyKeys(1, 2);
    }

    /** A copy of the current schemas with EnvReading.avsc replaced by a fixture. */
    private Path schemasWith(String envReadingFixture) throws IOException {
        Path dir = Files.createDirectories(work.resolve("avro"));
        try (Stream<Path> files = Files.list(SCHEMAS)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (envReadingFixture != null) {
            Files.copy(FIXTURES.resolve(envReadingFixture), dir.resolve("EnvReading.avsc"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}
