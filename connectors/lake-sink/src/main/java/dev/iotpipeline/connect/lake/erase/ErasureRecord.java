package dev.iotpipeline.connect.lake.erase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.connect.common.RowCheck;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * That a device's readings received up to {@code erasedAt} are erased from the lake: the object
 * {@code _erasures/<device id>_<yyyyMMdd'T'HHmmssSSS'Z'>.json} holding
 * {@code {"device_id": ..., "erased_at": "<ISO instant>"}}. It is written before the files are
 * scanned and read by every sink task before it writes, so readings of the device still in Kafka
 * (in flight, or replayed after a crash) never reach the lake again. One object per erasure, never
 * rewritten: a task reads only the names it has not seen yet, and a device erased again later gets
 * a second record. Readers of the lake skip {@code _}-prefixed directories (Hive convention), and
 * the family globs ({@code env_readings/**}) never reach it.
 *
 * @param erasedAt kept to the millisecond, the precision of {@code ingest_time}
 */
public record ErasureRecord(String deviceId, Instant erasedAt) {

    /** The directory of the records, under the lake root. */
    public static final String DIRECTORY = "_erasures/";
    /** Larger than any record; a larger object is not one. */
    static final int MAX_BYTES = 4096;
    /** What {@link RowCheck} admits: ids the lake can hold, and safe in a key. */
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1," + RowCheck.MAX_DEVICE_ID + "}");
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    public ErasureRecord {
        if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
            throw new IllegalArgumentException("device id " + deviceId + " is not [A-Za-z0-9._-]{1," + RowCheck.MAX_DEVICE_ID
                    + "}: the lake holds no such device");
        }
        erasedAt = erasedAt.truncatedTo(ChronoUnit.MILLIS);
    }

    /** Where the record lives, relative to the lake root; the same erasure always has the same key. */
    public String key() {
        return DIRECTORY + deviceId + "_" + NAME_TIME.format(erasedAt) + ".json";
    }

    /** Whether a reading of this device received at {@code ingestTime} is erased. */
    public boolean erases(Instant ingestTime) {
        return !ingestTime.isAfter(erasedAt);
    }

    public byte[] json() {
        ObjectNode node = JSON.createObjectNode().put("device_id", deviceId).put("erased_at", erasedAt.toString());
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the erasure record of " + deviceId, e);
        }
    }

    /**
     * The record stored under {@code key}.
     *
     * @throws IllegalArgumentException when it is not a record: a task must not guess which readings it erases
     */
    public static ErasureRecord parse(String key, byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            JsonNode device = node == null ? null : node.get("device_id");
            JsonNode time = node == null ? null : node.get("erased_at");
            if (device == null || !device.isTextual() || time == null || !time.isTextual()) {
                throw new IllegalArgumentException("it needs device_id and erased_at as text");
            }
            return new ErasureRecord(device.asText(), Instant.parse(time.asText()));
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not an erasure record: " + e.getMessage(), e);
        }
    }
}
