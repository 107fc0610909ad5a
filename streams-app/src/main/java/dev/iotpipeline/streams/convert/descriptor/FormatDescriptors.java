package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.FormatConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Format descriptors: YAML files that say how a device format version becomes a canonical record
 * (the streams-app README documents them; {@value #SCHEMA} is their JSON Schema). Compiling one
 * checks it completely and yields its converter; the built-in formats of the product contract are
 * descriptors under {@value #BUILT_IN}.
 */
public final class FormatDescriptors {

    /** Class-path folder of the built-in descriptors; {@code index} there lists them. */
    public static final String BUILT_IN = "/dev/iotpipeline/streams/convert/descriptor/formats/";
    /** Class-path location of the descriptors' JSON Schema (for editors and reviews; the compiler checks more). */
    public static final String SCHEMA = "/dev/iotpipeline/streams/convert/descriptor/format-descriptor.schema.json";

    private FormatDescriptors() {
    }

    /**
     * Compiles a descriptor.
     *
     * @param file the name errors give, e.g. the file's path
     * @throws DescriptorException naming file, line, field and problem for any mistake
     */
    public static DescriptorConverter compile(String file, String yaml) {
        return DescriptorCompiler.compile(file, yaml);
    }

    /** Reads and compiles a descriptor file. */
    public static DescriptorConverter compile(Path file) throws IOException {
        return compile(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The converters of the built-in descriptors, in the order of their index. */
    public static List<FormatConverter> builtIn() {
        List<FormatConverter> converters = new ArrayList<>();
        for (String line : resource("index").split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                converters.add(compile(name, resource(name)));
            }
        }
        return List.copyOf(converters);
    }

    private static String resource(String name) {
        try (InputStream in = FormatDescriptors.class.getResourceAsStream(BUILT_IN + name)) {
            if (in == null) {
                throw new IllegalStateException("no built-in descriptor resource " + BUILT_IN + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
