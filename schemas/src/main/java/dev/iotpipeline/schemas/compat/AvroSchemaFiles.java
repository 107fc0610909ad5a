package dev.iotpipeline.schemas.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/** Reads a directory of {@code .avsc} files whose schemas may refer to each other's named types. */
public final class AvroSchemaFiles {

    private AvroSchemaFiles() {
    }

    /**
     * Parses every {@code .avsc} file in {@code dir} (not recursive), in whatever order resolves
     * the references between them.
     *
     * @return the schema each file declares, keyed by its full name, types before the schemas that use them
     * @throws SchemaParseException if a file is invalid or refers to a type no file defines
     */
    public static Map<String, Schema> parseDirectory(Path dir) {
        List<Path> pending = listAvsc(dir);
        List<Path> ordered = new ArrayList<>();
        while (!pending.isEmpty()) {
            SchemaParseException lastError = null;
            Path resolved = null;
            for (Path candidate : pending) {
                try {
                    parseInOrder(ordered, candidate);
                    resolved = candidate;
                    break;
                } catch (SchemaParseException e) {
                    lastError = e;
                }
            }
            if (resolved == null) {
                throw new SchemaParseException("Cannot parse the schemas in " + dir + ": " + lastError.getMessage());
            }
            ordered.add(resolved);
            pending.remove(resolved);
        }
        return parseInOrder(ordered, null);
    }

    /** Parses one self-contained schema file. */
    public static Schema parseFile(Path file) {
        try {
            return new Schema.Parser().parse(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read schema file " + file, e);
        }
    }

    private static Map<String, Schema> parseInOrder(List<Path> ordered, Path extra) {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> byName = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>(ordered);
        if (extra != null) {
            files.add(extra);
        }
        for (Path file : files) {
            try {
                Schema schema = parser.parse(file.toFile());
                byName.put(schema.getFullName(), schema);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read schema file " + file, e);
            } catch (SchemaParseException e) {
                throw new SchemaParseException(file.getFileName() + ": " + e.getMessage());
            }
        }
        return byName;
    }

    private static List<Path> listAvsc(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(f -> f.getFileName().toString().endsWith(".avsc")).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list schema directory " + dir, e);
        }
    }
}
