package dev.iotpipeline.streams.convert;

import java.util.regex.Pattern;

/**
 * The bounds of the canonical model's text fields ({@code device-formats.md}, "Bad input"):
 * device ids match {@code [A-Za-z0-9._-]{1,64}}, {@code message_id} has at most
 * {@value #MAX_MESSAGE_ID} and {@code firmware} at most {@value #MAX_FIRMWARE} characters, and no
 * text carries control characters or broken UTF-16 (which would reach the warehouse changed, or
 * be refused there for the whole batch).
 */
public final class TextFields {

    public static final int MAX_DEVICE_ID = 64;
    public static final int MAX_MESSAGE_ID = 128;
    public static final int MAX_FIRMWARE = 64;

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_DEVICE_ID + "}");

    private TextFields() {
    }

    public static boolean isDeviceId(String text) {
        return text.length() <= MAX_DEVICE_ID && DEVICE_ID.matcher(text).matches();
    }

    /** The device's own message id from payload field {@code field}; {@code invalid-field:<field>} if it breaks the bounds. */
    public static String messageId(String field, String text) throws InvalidPayloadException {
        return bounded(field, text, MAX_MESSAGE_ID);
    }

    /** The firmware version from payload field {@code field}; {@code invalid-field:<field>} if it breaks the bounds. */
    public static String firmware(String field, String text) throws InvalidPayloadException {
        return bounded(field, text, MAX_FIRMWARE);
    }

    private static String bounded(String field, String text, int maxLength) throws InvalidPayloadException {
        if (text.isEmpty() || text.length() > maxLength) {
            throw InvalidPayloadException.invalid(field, "expected 1.." + maxLength + " characters, got " + text.length());
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                throw InvalidPayloadException.invalid(field, String.format("control character U+%04X at index %d", (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw InvalidPayloadException.invalid(field, "an unpaired UTF-16 surrogate at index " + i);
            }
        }
        return text;
    }
}
