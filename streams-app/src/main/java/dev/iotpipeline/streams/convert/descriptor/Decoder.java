package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.schemas.contract.Crc16CcittFalse;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.JsonPayload;
import dev.iotpipeline.streams.convert.Reasons;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Turns the payload bytes into what the sources read, refusing what is not of the payload's kind. */
interface Decoder {

    void decode(Conversion conversion) throws InvalidPayloadException;

    /** JSON, parsed with {@link JsonPayload}'s bounds; the payload must be an object. */
    final class Json implements Decoder {
        @Override
        public void decode(Conversion conversion) throws InvalidPayloadException {
            conversion.json = JsonPayload.parse(conversion.reading.payload()).root();
        }
    }

    /** Strict UTF-8 text, stripped, split at a literal separator into min..max columns. */
    final class Delimited implements Decoder {
        private final String separator;
        private final int minColumns;
        private final int maxColumns;

        Delimited(String separator, int minColumns, int maxColumns) {
            this.separator = separator;
            this.minColumns = minColumns;
            this.maxColumns = maxColumns;
        }

        @Override
        public void decode(Conversion conversion) throws InvalidPayloadException {
            String[] columns = split(utf8(conversion.reading.payload()).strip());
            if (columns.length < minColumns || columns.length > maxColumns) {
                throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, "expected " + minColumns
                        + (maxColumns == minColumns ? "" : " to " + maxColumns) + " columns separated by \""
                        + separator + "\", got " + columns.length);
            }
            conversion.columns = columns;
        }

        /** As {@code String.split(quote(separator), -1)}, without a regex, and at most max + 1 columns. */
        private String[] split(String text) {
            List<String> columns = new ArrayList<>(maxColumns + 1);
            int start = 0;
            while (columns.size() <= maxColumns) {
                int at = text.indexOf(separator, start);
                if (at < 0) {
                    columns.add(text.substring(start));
                    break;
                }
                columns.add(text.substring(start, at));
                start = at + separator.length();
            }
            return columns.toArray(new String[0]);
        }

        private static String utf8(byte[] payload) throws InvalidPayloadException {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(payload)).toString();
            } catch (CharacterCodingException e) {
                throw new InvalidPayloadException(Reasons.MALFORMED_TEXT, "the payload is not UTF-8 text");
            }
        }
    }

    /** A fixed binary layout: its length, then its magic value, then each checksum. */
    final class Binary implements Decoder {
        private final int length;
        private final Magic magic;
        private final Checksum[] checksums;

        Binary(int length, Magic magic, List<Checksum> checksums) {
            this.length = length;
            this.magic = magic;
            this.checksums = checksums.toArray(new Checksum[0]);
        }

        @Override
        public void decode(Conversion conversion) throws InvalidPayloadException {
            byte[] bytes = conversion.reading.payload();
            if (bytes.length != length) {
                throw new InvalidPayloadException(Reasons.BAD_LENGTH, "expected " + length + " bytes, got " + bytes.length);
            }
            if (magic != null) {
                long actual = BinarySource.read(bytes, magic.offset, magic.size, magic.bigEndian, false);
                if (actual != magic.value) {
                    throw new InvalidPayloadException(Reasons.BAD_MAGIC, String.format("expected magic 0x%0" + 2 * magic.size
                            + "x at byte %d, got 0x%0" + 2 * magic.size + "x", magic.value, magic.offset, actual));
                }
            }
            for (Checksum checksum : checksums) {
                checksum.check(bytes);
            }
            conversion.bytes = bytes;
        }
    }

    /** The unsigned value that must be at {@code offset}. */
    record Magic(int offset, int size, boolean bigEndian, long value) {
    }

    /** A checksum over bytes {@code from..to} (inclusive), stored unsigned at {@code at}. */
    record Checksum(Algorithm algorithm, int from, int to, int at, boolean bigEndian) {

        void check(byte[] bytes) throws InvalidPayloadException {
            long stored = BinarySource.read(bytes, at, algorithm.size, bigEndian, false);
            long actual = algorithm.of(bytes, from, to - from + 1);
            if (stored != actual) {
                throw new InvalidPayloadException(Reasons.BAD_CRC, String.format("%s is 0x%0" + 2 * algorithm.size
                        + "x over bytes %d..%d, the payload says 0x%0" + 2 * algorithm.size + "x", algorithm.key, actual,
                        from, to, stored));
            }
        }
    }

    /** The checksums a descriptor may name. */
    enum Algorithm {
        CRC16_CCITT_FALSE("crc-16/ccitt-false", 2),
        CRC32("crc-32", 4);

        final String key;
        final int size;

        Algorithm(String key, int size) {
            this.key = key;
            this.size = size;
        }

        long of(byte[] bytes, int offset, int length) {
            if (this == CRC16_CCITT_FALSE) {
                return Crc16CcittFalse.of(bytes, offset, length);
            }
            CRC32 crc = new CRC32();
            crc.update(bytes, offset, length);
            return crc.getValue();
        }
    }
}
