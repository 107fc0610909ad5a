package dev.iotpipeline.streams.convert.descriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code payload} section of a descriptor, compiled: the decoder of its kind, and how a field's
 * location keys ({@code path}, {@code column}, {@code offset}) become a {@link Source}.
 */
final class PayloadLayout {

    static final String JSON = "json";
    static final String DELIMITED = "delimited";
    static final String BINARY = "binary";

    static final List<String> JSON_KEYS = List.of("path", "type", "optional", "size", "elements");
    static final List<String> DELIMITED_KEYS = List.of("column", "type", "optional");
    static final List<String> BINARY_KEYS = List.of("offset", "type", "byte-order");

    private static final int DEFAULT_MAX_NUMBER_CHARS = 64;

    final String kind;
    final Decoder decoder;
    private final int minColumns;
    private final int maxColumns;
    private final int maxNumberChars;
    private final int length;
    private final boolean bigEndian;

    private PayloadLayout(String kind, Decoder decoder, int minColumns, int maxColumns, int maxNumberChars, int length,
            boolean bigEndian) {
        this.kind = kind;
        this.decoder = decoder;
        this.minColumns = minColumns;
        this.maxColumns = maxColumns;
        this.maxNumberChars = maxNumberChars;
        this.length = length;
        this.bigEndian = bigEndian;
    }

    static PayloadLayout compile(DescriptorNode payload) {
        DescriptorNode kindNode = payload.require("kind");
        String kind = kindNode.text();
        switch (kind) {
            case JSON -> {
                payload.entries(List.of("kind"));
                return new PayloadLayout(JSON, new Decoder.Json(), 0, 0, 0, 0, true);
            }
            case DELIMITED -> {
                payload.entries(List.of("kind", "separator", "columns", "max-number-chars"));
                DescriptorNode separatorNode = payload.require("separator");
                String separator = separatorNode.text();
                if (separator.isEmpty()) {
                    throw separatorNode.fail("the separator must not be empty");
                }
                DescriptorNode columns = payload.require("columns");
                int min;
                int max;
                if (columns.kind() == DescriptorNode.Kind.MAP) {
                    columns.entries(List.of("min", "max"));
                    min = columns.require("min").integer(1, 1024);
                    max = columns.require("max").integer(min, 1024);
                } else {
                    min = columns.integer(1, 1024);
                    max = min;
                }
                DescriptorNode maxChars = payload.get("max-number-chars");
                int maxNumberChars = maxChars == null ? DEFAULT_MAX_NUMBER_CHARS : maxChars.integer(1, 1024);
                return new PayloadLayout(DELIMITED, new Decoder.Delimited(separator, min, max), min, max, maxNumberChars,
                        0, true);
            }
            case BINARY -> {
                return binary(payload);
            }
            default -> throw kindNode.fail("unknown payload kind \"" + kind + "\" (expected one of json, delimited, binary)");
        }
    }

    private static PayloadLayout binary(DescriptorNode payload) {
        payload.entries(List.of("kind", "length", "byte-order", "magic", "checksums"));
        int length = payload.require("length").integer(1, 65_536);
        boolean bigEndian = byteOrder(payload.get("byte-order"), true);
        Decoder.Magic magic = null;
        DescriptorNode magicNode = payload.get("magic");
        if (magicNode != null) {
            magicNode.entries(List.of("offset", "type", "value"));
            ValueType type = ValueType.of(magicNode.require("type"), ValueType.BINARY, BINARY);
            int offset = within(magicNode.require("offset"), type.size, length);
            DescriptorNode valueNode = magicNode.require("value");
            long value = valueNode.integer();
            if (type.size < 8 && (value < 0 || value >= 1L << (8 * type.size))) {
                throw valueNode.fail("the magic value " + value + " does not fit a " + type.key);
            }
            magic = new Decoder.Magic(offset, type.size, bigEndian, value);
        }
        List<Decoder.Checksum> checksums = new ArrayList<>();
        DescriptorNode checksumsNode = payload.get("checksums");
        if (checksumsNode != null) {
            for (DescriptorNode node : checksumsNode.elements()) {
                checksums.add(checksum(node, length, bigEndian));
            }
        }
        return new PayloadLayout(BINARY, new Decoder.Binary(length, magic, checksums), 0, 0, 0, length, bigEndian);
    }

    private static Decoder.Checksum checksum(DescriptorNode node, int length, boolean bigEndian) {
        node.entries(List.of("algorithm", "from", "to", "at"));
        DescriptorNode algorithmNode = node.require("algorithm");
        Decoder.Algorithm algorithm = null;
        for (Decoder.Algorithm candidate : Decoder.Algorithm.values()) {
            if (candidate.key.equals(algorithmNode.text())) {
                algorithm = candidate;
            }
        }
        if (algorithm == null) {
            throw algorithmNode.fail("unknown checksum \"" + algorithmNode.text()
                    + "\" (expected one of crc-16/ccitt-false, crc-32)");
        }
        int from = within(node.require("from"), 1, length);
        DescriptorNode toNode = node.require("to");
        int to = within(toNode, 1, length);
        if (to < from) {
            throw toNode.fail("the checksum range ends at byte " + to + ", before it starts at byte " + from);
        }
        int at = within(node.require("at"), algorithm.size, length);
        return new Decoder.Checksum(algorithm, from, to, at, bigEndian);
    }

    /** An offset whose {@code size} bytes lie inside a payload of {@code length} bytes. */
    private static int within(DescriptorNode offsetNode, int size, int length) {
        int offset = offsetNode.integer(0, 65_536);
        if (offset + size > length) {
            throw offsetNode.fail("bytes " + offset + ".." + (offset + size - 1) + " lie beyond the payload's " + length
                    + " bytes (payload.length)");
        }
        return offset;
    }

    private static boolean byteOrder(DescriptorNode node, boolean fallback) {
        if (node == null) {
            return fallback;
        }
        return switch (node.text()) {
            case "big-endian" -> true;
            case "little-endian" -> false;
            default -> throw node.fail("unknown byte order \"" + node.text() + "\" (expected big-endian or little-endian)");
        };
    }

    /** The location keys this payload kind's fields use. */
    List<String> locationKeys() {
        return switch (kind) {
            case JSON -> JSON_KEYS;
            case DELIMITED -> DELIMITED_KEYS;
            default -> BINARY_KEYS;
        };
    }

    /** Whether {@code node} (a field or canonical entry) gives a payload location of its own. */
    boolean hasLocation(DescriptorNode node) {
        String key = switch (kind) {
            case JSON -> "path";
            case DELIMITED -> "column";
            default -> "offset";
        };
        return node.get(key) != null;
    }

    /** The source at the location {@code node} gives; {@code name} is what reasons call it outside JSON. */
    Source source(DescriptorNode node, String name, boolean epoch) {
        return switch (kind) {
            case JSON -> JsonPaths.source(node);
            case DELIMITED -> column(node, name, epoch);
            default -> binaryField(node, name);
        };
    }

    private Source column(DescriptorNode node, String name, boolean epoch) {
        ValueType type = ValueType.of(node.require("type"), ValueType.DELIMITED, DELIMITED);
        boolean optional = optional(node);
        DescriptorNode columnNode = node.require("column");
        int column = columnNode.integer(0, 1023);
        int last = optional ? maxColumns : minColumns;
        if (column >= last) {
            throw columnNode.fail("column " + column + " is beyond the " + last + " columns every "
                    + (optional ? "" : "valid ") + "line has (payload.columns" + (optional ? ".max" : ".min")
                    + "); a column only some lines have is optional: true");
        }
        return new ColumnSource(name, column, type, optional, maxNumberChars, epoch);
    }

    private Source binaryField(DescriptorNode node, String name) {
        ValueType type = ValueType.of(node.require("type"), ValueType.BINARY, BINARY);
        int offset = within(node.require("offset"), type.size, length);
        return new BinarySource(name, offset, type, byteOrder(node.get("byte-order"), bigEndian));
    }

    static boolean optional(DescriptorNode node) {
        DescriptorNode optional = node.get("optional");
        return optional != null && optional.bool();
    }
}
