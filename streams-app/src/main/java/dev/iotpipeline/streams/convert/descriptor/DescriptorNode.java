package dev.iotpipeline.streams.convert.descriptor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A node of a descriptor's YAML document that knows where it was written (file, line and its dotted
 * path from the root), so every compile error can say so. Only what a descriptor needs: mappings
 * (keys in file order, no duplicates), sequences and scalars.
 */
final class DescriptorNode {

    enum Kind { MAP, LIST, STRING, INTEGER, DECIMAL, BOOLEAN, NULL }

    /** A key of a mapping, with the line the key is on, and its value. */
    record Entry(String key, int line, DescriptorNode value) {
    }

    private static final YAMLFactory YAML = new YAMLFactory();

    private final String file;
    private final int line;
    private final String path;
    private final Kind kind;
    private final String text;
    private final List<Entry> entries;
    private final List<DescriptorNode> elements;

    private DescriptorNode(String file, int line, String path, Kind kind, String text, List<Entry> entries,
            List<DescriptorNode> elements) {
        this.file = file;
        this.line = line;
        this.path = path;
        this.kind = kind;
        this.text = text;
        this.entries = entries;
        this.elements = elements;
    }

    /** Parses a whole descriptor document; {@code file} is the name errors give. */
    static DescriptorNode parse(String file, String yaml) {
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new DescriptorException(file, 1, "", "the file is empty");
            }
            DescriptorNode root = read(file, parser, "", lineOf(parser));
            if (parser.nextToken() != null) {
                throw new DescriptorException(file, lineOf(parser), "", "more than one YAML document");
            }
            if (root.kind != Kind.MAP) {
                throw root.fail("a descriptor is a mapping (format:, record:, payload:, ...), got " + root.describe());
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
            throw new DescriptorException(file, line, "", "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new DescriptorException(file, 1, "", "cannot be read: " + e.getMessage());
        }
    }

    /** Reads the node at the current token; a mapping or list that is a key's value is on the key's line. */
    private static DescriptorNode read(String file, JsonParser parser, String path, int keyLine) throws IOException {
        JsonToken token = parser.currentToken();
        int line = token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY ? keyLine : lineOf(parser);
        switch (token) {
            case START_OBJECT -> {
                List<Entry> entries = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int childLine = lineOf(parser);
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    for (Entry entry : entries) {
                        if (entry.key().equals(key)) {
                            throw new DescriptorException(file, childLine, childPath, "duplicate key (first on line "
                                    + entry.line() + ")");
                        }
                    }
                    parser.nextToken();
                    entries.add(new Entry(key, childLine, read(file, parser, childPath, childLine)));
                }
                return new DescriptorNode(file, line, path, Kind.MAP, null, List.copyOf(entries), List.of());
            }
            case START_ARRAY -> {
                List<DescriptorNode> elements = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    elements.add(read(file, parser, path + "[" + elements.size() + "]", lineOf(parser)));
                }
                return new DescriptorNode(file, line, path, Kind.LIST, null, List.of(), List.copyOf(elements));
            }
            default -> {
                Kind kind = switch (token) {
                    case VALUE_NUMBER_INT -> Kind.INTEGER;
                    case VALUE_NUMBER_FLOAT -> Kind.DECIMAL;
                    case VALUE_TRUE, VALUE_FALSE -> Kind.BOOLEAN;
                    case VALUE_NULL -> Kind.NULL;
                    default -> Kind.STRING;
                };
                return new DescriptorNode(file, line, path, kind, parser.getText(), List.of(), List.of());
            }
        }
    }

    private static int lineOf(JsonParser parser) {
        return Math.max(1, parser.currentTokenLocation().getLineNr());
    }

    String file() {
        return file;
    }

    int line() {
        return line;
    }

    String path() {
        return path;
    }

    Kind kind() {
        return kind;
    }

    /** A compile error about this node. */
    DescriptorException fail(String problem) {
        return new DescriptorException(file, line, path, problem);
    }

    /** The entries of a mapping, in file order, after checking that every key is one of {@code allowed}. */
    List<Entry> entries(Collection<String> allowed) {
        List<Entry> all = entries();
        for (Entry entry : all) {
            if (!allowed.contains(entry.key())) {
                throw new DescriptorException(file, entry.line(), entry.value().path(), "unknown key '" + entry.key()
                        + "' (expected one of " + String.join(", ", allowed) + ")");
            }
        }
        return all;
    }

    /** The entries of a mapping, in file order; any keys. */
    List<Entry> entries() {
        if (kind != Kind.MAP) {
            throw fail("expected a mapping, got " + describe());
        }
        return entries;
    }

    List<DescriptorNode> elements() {
        if (kind != Kind.LIST) {
            throw fail("expected a list, got " + describe());
        }
        return elements;
    }

    /** The value of {@code key} in this mapping, or null. */
    DescriptorNode get(String key) {
        for (Entry entry : entries()) {
            if (entry.key().equals(key)) {
                return entry.value();
            }
        }
        return null;
    }

    /** The value of {@code key}, which must be there. */
    DescriptorNode require(String key) {
        DescriptorNode value = get(key);
        if (value == null) {
            throw fail("missing required key '" + key + "'");
        }
        return value;
    }

    String text() {
        if (kind != Kind.STRING && kind != Kind.INTEGER && kind != Kind.DECIMAL) {
            throw fail("expected a string, got " + describe());
        }
        return text;
    }

    /** An integer, written in decimal or as 0x.. hexadecimal. */
    long integer() {
        if (kind == Kind.INTEGER || kind == Kind.STRING) {
            try {
                String digits = text.strip();
                boolean negative = digits.startsWith("-");
                String unsigned = negative ? digits.substring(1) : digits;
                long value = unsigned.startsWith("0x") || unsigned.startsWith("0X")
                        ? Long.parseLong(unsigned.substring(2), 16) : Long.parseLong(unsigned);
                return negative ? -value : value;
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw fail("expected an integer, got " + describe());
    }

    /** An integer within {@code min..max}. */
    int integer(int min, int max) {
        long value = integer();
        if (value < min || value > max) {
            throw fail("expected an integer " + min + ".." + max + ", got " + value);
        }
        return (int) value;
    }

    BigDecimal decimal() {
        if (kind == Kind.INTEGER || kind == Kind.DECIMAL) {
            return new BigDecimal(text);
        }
        throw fail("expected a number, got " + describe());
    }

    boolean bool() {
        if (kind != Kind.BOOLEAN) {
            throw fail("expected true or false, got " + describe());
        }
        return Boolean.parseBoolean(text);
    }

    /** What the node is, for errors: {@code a mapping}, {@code the string "abc"}, ... */
    String describe() {
        return switch (kind) {
            case MAP -> "a mapping";
            case LIST -> "a list";
            case NULL -> "nothing (null)";
            case BOOLEAN -> text;
            case INTEGER, DECIMAL -> "the number " + text;
            case STRING -> "the string \"" + text + "\"";
        };
    }
}
