package dev.iotpipeline.schemas.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The build's schema compatibility gate.
 *
 * <p>Every schema under development ({@code src/main/avro}) is checked against each of its released
 * versions, kept as self-contained files under {@code released/<full name>/<version>.avsc}. The
 * default mode is {@link CompatibilityMode#FULL_TRANSITIVE}: the streams app (writer) and the sinks
 * (readers) are deployed independently and in any order, and lake files written with any earlier
 * version stay readable, so a change must be readable in both directions against every release.
 * Adding or removing a field that has a default passes; changing a type, renaming, or adding a
 * field without a default fails. A released schema that no longer exists also fails.
 *
 * <p>Usage: {@code check <schema dir> <released dir> [mode]} fails (non-zero / exception) on any
 * violation; {@code release <schema dir> <released dir>} records the current schemas as the next
 * released version of each schema that changed.
 */
public final class SchemaCompatibilityGate {

    public static final CompatibilityMode DEFAULT_MODE = CompatibilityMode.FULL_TRANSITIVE;

    private final CompatibilityMode mode;

    public SchemaCompatibilityGate(CompatibilityMode mode) {
        this.mode = mode;
    }

    /** A reason a schema breaks compatibility with one of its released versions. */
    public record Violation(String schema, int releasedVersion, String direction, String message) {
        @Override
        public String toString() {
            return schema + " vs released version " + releasedVersion + " (" + direction + "): " + message;
        }
    }

    /** Checks every current schema against its released versions; an empty list means the gate passes. */
    public List<Violation> check(Map<String, Schema> current, Path releasedDir) {
        Map<String, TreeMap<Integer, Schema>> released = readReleased(releasedDir);
        List<Violation> violations = new ArrayList<>();
        released.forEach((name, versions) -> {
            if (!current.containsKey(name)) {
                violations.add(new Violation(name, versions.lastKey(), "removed",
                        "a released schema no longer exists; readers of its topics would break"));
            }
        });
        current.forEach((name, schema) -> {
            TreeMap<Integer, Schema> versions = released.get(name);
            if (versions != null) {
                violations.addAll(checkAgainst(name, schema, versions));
            }
        });
        return violations;
    }

    /**
     * Checks one candidate schema against the earlier versions of the same schema (by version
     * number), in this gate's mode: all of them when transitive, else the latest.
     */
    public List<Violation> checkAgainst(String name, Schema candidate, NavigableMap<Integer, Schema> versions) {
        List<Violation> violations = new ArrayList<>();
        if (versions.isEmpty()) {
            return violations;
        }
        Map<Integer, Schema> toCheck = mode.transitive() ? versions : versions.tailMap(versions.lastKey(), true);
        toCheck.forEach((version, old) -> violations.addAll(compare(name, version, candidate, old)));
        return violations;
    }

    private List<Violation> compare(String name, int version, Schema current, Schema old) {
        List<Violation> violations = new ArrayList<>();
        if (mode.newReadsOld()) {
            violations.addAll(describe(name, version, "new schema reading old data", current,
                    SchemaCompatibility.checkReaderWriterCompatibility(current, old)));
        }
        if (mode.oldReadsNew()) {
            violations.addAll(describe(name, version, "old schema reading new data", old,
                    SchemaCompatibility.checkReaderWriterCompatibility(old, current)));
        }
        return violations;
    }

    private static List<Violation> describe(String name, int version, String direction, Schema reader,
            SchemaPairCompatibility result) {
        List<Violation> violations = new ArrayList<>();
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            violations.add(new Violation(name, version, direction, incompatibility.getType() + " at field "
                    + fieldPath(reader, incompatibility.getLocation()) + ": " + incompatibility.getMessage()));
        }
        return violations;
    }

    /** Turns Avro's JSON-pointer location ({@code /fields/1/type/items/fields/6}) into field names. */
    static String fieldPath(Schema root, String location) {
        String[] tokens = location.split("/");
        StringBuilder path = new StringBuilder();
        Schema schema = root;
        for (int i = 1; i < tokens.length; i++) {
            switch (tokens[i]) {
                case "fields" -> {
                    if (i + 1 >= tokens.length || schema.getType() != Schema.Type.RECORD) {
                        return location;
                    }
                    Schema.Field field = schema.getFields().get(Integer.parseInt(tokens[++i]));
                    path.append(path.length() == 0 ? "" : ".").append(field.name());
                    schema = field.schema();
                }
                case "items" -> {
                    path.append("[]");
                    schema = schema.getElementType();
                }
                case "values" -> {
                    path.append("{}");
                    schema = schema.getValueType();
                }
                case "type", "name", "size", "symbols" -> { }
                default -> {
                    if (schema.getType() == Schema.Type.UNION && tokens[i].matches("\\d+")) {
                        schema = schema.getTypes().get(Math.min(Integer.parseInt(tokens[i]), schema.getTypes().size() - 1));
                    }
                }
            }
        }
        return path.length() == 0 ? "(root)" : path.toString();
    }

    /**
     * Records each current schema that differs from its latest released version (or has none) as
     * a new released version; returns the files written.
     */
    public static List<Path> release(Map<String, Schema> current, Path releasedDir) {
        Map<String, TreeMap<Integer, Schema>> released = readReleased(releasedDir);
        List<Path> written = new ArrayList<>();
        current.forEach((name, schema) -> {
            TreeMap<Integer, Schema> versions = released.getOrDefault(name, new TreeMap<>());
            if (!versions.isEmpty() && versions.lastEntry().getValue().equals(schema)) {
                return;
            }
            int next = versions.isEmpty() ? 1 : versions.lastKey() + 1;
            Path file = releasedDir.resolve(name).resolve(next + ".avsc");
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, schema.toString(true) + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + file, e);
            }
            written.add(file);
        });
        return written;
    }

    /** Released versions per schema full name, each file self-contained. */
    static Map<String, TreeMap<Integer, Schema>> readReleased(Path releasedDir) {
        Map<String, TreeMap<Integer, Schema>> released = new TreeMap<>();
        if (!Files.isDirectory(releasedDir)) {
            return released;
        }
        try (Stream<Path> dirs = Files.list(releasedDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                TreeMap<Integer, Schema> versions = new TreeMap<>();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(f -> f.getFileName().toString().matches("\\d+\\.avsc")).toList()) {
                        int version = Integer.parseInt(file.getFileName().toString().replace(".avsc", ""));
                        versions.put(version, AvroSchemaFiles.parseFile(file));
                    }
                }
                if (!versions.isEmpty()) {
                    released.put(dir.getFileName().toString(), versions);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read released schemas under " + releasedDir, e);
        }
        return released;
    }

    public static void main(String[] args) {
        if (args.length < 3 || !(args[0].equals("check") || args[0].equals("release"))) {
            throw new IllegalArgumentException(
                    "usage: SchemaCompatibilityGate check|release <schema dir> <released dir> [mode]");
        }
        Path schemaDir = Path.of(args[1]);
        Path releasedDir = Path.of(args[2]);
        Map<String, Schema> current = AvroSchemaFiles.parseDirectory(schemaDir);
        if (args[0].equals("release")) {
            release(current, releasedDir).forEach(f -> System.out.println("released " + f));
            return;
        }
        CompatibilityMode mode = args.length > 3 ? CompatibilityMode.valueOf(args[3]) : DEFAULT_MODE;
        List<Violation> violations = new SchemaCompatibilityGate(mode).check(current, releasedDir);
        if (!violations.isEmpty()) {
            StringBuilder message = new StringBuilder("Schema compatibility gate (" + mode + ") failed:");
            violations.forEach(v -> message.append("\n  - ").append(v));
            message.append("\nKeep the change compatible (add fields with defaults), or publish it as a new schema.");
            throw new IllegalStateException(message.toString());
        }
        System.out.println("Schema compatibility gate (" + mode + "): " + current.size()
                + " schemas compatible with their released versions in " + releasedDir);
    }
}
