package dev.iotpipeline.streams.convert.descriptor;

/** An integer at a fixed offset of a binary payload whose length was checked before. */
final class BinarySource implements Source {

    private final String name;
    private final int offset;
    private final ValueType type;
    private final boolean bigEndian;

    BinarySource(String name, int offset, ValueType type, boolean bigEndian) {
        this.name = name;
        this.offset = offset;
        this.type = type;
        this.bigEndian = bigEndian;
    }

    @Override
    public Object read(Conversion conversion) {
        return read(conversion.bytes, offset, type.size, bigEndian, type.signed);
    }

    static long read(byte[] bytes, int offset, int size, boolean bigEndian, boolean signed) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            int at = bigEndian ? offset + i : offset + size - 1 - i;
            value = (value << 8) | (bytes[at] & 0xFF);
        }
        if (signed && size < 8) {
            int shift = 64 - 8 * size;
            value = (value << shift) >> shift;
        }
        return value;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ValueType type() {
        return type;
    }

    @Override
    public boolean optional() {
        return false;
    }
}
