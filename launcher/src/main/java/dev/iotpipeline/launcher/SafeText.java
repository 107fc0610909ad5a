package dev.iotpipeline.launcher;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Bytes from a device shown on an operator's terminal without letting them drive it: printable
 * UTF-8 as text with control characters escaped ({@code \n}, {@code \u001b}), anything else as a
 * hex dump.
 */
public final class SafeText {

    private static final int HEX_LINE = 16;

    private SafeText() {
    }

    /** Text with control characters escaped; bytes that are not UTF-8 as {@code 0x...}. */
    public static String of(byte[] bytes) {
        String text = utf8(bytes);
        return text == null ? "0x" + HexFormat.of().formatHex(bytes) : escape(text);
    }

    public static String of(String text) {
        return text == null ? "(none)" : escape(text);
    }

    /** A payload: escaped text on one line if it is mostly printable UTF-8, else a hex dump with offsets. */
    public static String payload(byte[] bytes) {
        String text = utf8(bytes);
        if (text != null && printable(text)) {
            return "  " + escape(text) + System.lineSeparator();
        }
        StringBuilder dump = new StringBuilder();
        for (int offset = 0; offset < bytes.length; offset += HEX_LINE) {
            dump.append(String.format("  %04x ", offset));
            StringBuilder ascii = new StringBuilder();
            for (int i = offset; i < offset + HEX_LINE; i++) {
                if (i < bytes.length) {
                    int b = bytes[i] & 0xff;
                    dump.append(String.format(" %02x", b));
                    ascii.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
                } else {
                    dump.append("   ");
                }
            }
            dump.append("  ").append(ascii).append(System.lineSeparator());
        }
        return dump.toString();
    }

    private static String utf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean printable(String text) {
        long control = text.chars().filter(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t').count();
        return control == 0;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
