package dev.iotpipeline.launcher.simulate;

import dev.iotpipeline.schemas.contract.Crc16CcittFalse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;

/**
 * One simulated device of one format version: its id and secret, and readings that drift
 * realistically (temperature and humidity random walks, a draining battery, a tracker moving
 * along a heading), encoded exactly as the device format says.
 */
public final class SimulatedDevice {

    /** Every format version in the product contract, as deviceType/version. */
    public static final String[] FORMATS = {"env-sensor/v1", "env-sensor/v2", "env-sensor/v3", "gps-tracker/v1", "gps-tracker/v2"};

    private final String id;
    private final String deviceType;
    private final String version;
    private final String secret;
    private final Random random;
    private double temperatureC;
    private double humidityPct;
    private double batteryPct = 100;
    private double latitude;
    private double longitude;
    private double headingDeg;
    private int sequence;
    private long messages;

    public SimulatedDevice(String id, String format, String secret, long seed) {
        this.id = id;
        this.deviceType = format.substring(0, format.indexOf('/'));
        this.version = format.substring(format.indexOf('/') + 1);
        this.secret = secret;
        this.random = new Random(seed);
        this.temperatureC = 15 + random.nextDouble() * 10;
        this.humidityPct = 30 + random.nextDouble() * 30;
        this.latitude = 35.6 + random.nextDouble() * 0.2;
        this.longitude = 139.6 + random.nextDouble() * 0.2;
        this.headingDeg = random.nextInt(360);
        this.sequence = random.nextInt(65536);
    }

    public String id() {
        return id;
    }

    public String deviceType() {
        return deviceType;
    }

    public String version() {
        return version;
    }

    public String secret() {
        return secret;
    }

    /** The MQTT topic this device publishes to: the legacy topic for env-sensor v1. */
    public String mqttTopic() {
        return deviceType.equals("env-sensor") && version.equals("v1")
                ? "sensors/" + id + "/data" : "dt/" + deviceType + "/" + id + "/" + version;
    }

    /** The HTTP ingest path for this device. */
    public String httpPath() {
        return "/v1/telemetry/" + deviceType + "/" + id + "/" + version;
    }

    /** The next reading, taken at {@code eventTime}. Event times must increase (message ids derive from them). */
    public byte[] nextReading(Instant eventTime) {
        messages++;
        temperatureC = clamp(temperatureC + random.nextGaussian() * 0.2, -30, 45);
        humidityPct = clamp(humidityPct + random.nextGaussian() * 0.5, 5, 95);
        batteryPct = Math.max(1, batteryPct - 0.01);
        headingDeg = (headingDeg + random.nextGaussian() * 5 + 360) % 360;
        double speedMps = Math.abs(8 + random.nextGaussian() * 3);
        latitude = clamp(latitude + Math.cos(Math.toRadians(headingDeg)) * speedMps * 1e-5, -89, 89);
        longitude = clamp(longitude + Math.sin(Math.toRadians(headingDeg)) * speedMps * 1e-5, -179, 179);
        return switch (deviceType + "/" + version) {
            case "env-sensor/v1" -> utf8(String.format(Locale.ROOT, "{\"id\":\"%s\",\"ts\":%d,\"t\":%d,\"h\":%d,\"bat\":%d}",
                    id, eventTime.getEpochSecond(), Math.round(temperatureC * 10), Math.round(humidityPct),
                    Math.round(batteryPct)));
            case "env-sensor/v2" -> utf8(String.format(Locale.ROOT, "{\"v\":2,\"device\":{\"id\":\"%s\",\"fw\":\"2.3.1\"},"
                    + "\"time\":\"%s\",\"readings\":{\"temperature\":{\"value\":%.1f,\"unit\":\"F\"},\"humidity\":%.3f},"
                    + "\"battery\":{\"voltage\":%.2f},\"msgId\":\"%s-%d\"}", id, eventTime, temperatureC * 9 / 5 + 32,
                    humidityPct / 100, 3.0 + batteryPct / 100 * 1.2, Long.toHexString(eventTime.toEpochMilli()), messages));
            case "env-sensor/v3" -> envV3(eventTime);
            case "gps-tracker/v1" -> utf8(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.1f,%.0f", id, eventTime.getEpochSecond(),
                    latitude, longitude, speedMps * 3.6, headingDeg));
            case "gps-tracker/v2" -> utf8(String.format(Locale.ROOT, "{\"deviceId\":\"%s\",\"ts\":%d,\"position\":{\"type\":\"Point\","
                    + "\"coordinates\":[%.6f,%.6f]},\"speedMps\":%.2f,\"heading\":%.0f,\"accuracyM\":%.1f}", id,
                    eventTime.toEpochMilli(), longitude, latitude, speedMps, headingDeg, 2 + random.nextDouble() * 5));
            default -> throw new IllegalStateException("No simulator for " + deviceType + "/" + version);
        };
    }

    /** A payload the pipeline must dead-letter, of a kind this device could plausibly send. */
    public byte[] badReading(Instant eventTime) {
        byte[] good = nextReading(eventTime);
        return switch (version.equals("v3") ? 0 : random.nextInt(3)) {
            case 0 -> corruptCrc(good);
            case 1 -> java.util.Arrays.copyOf(good, good.length / 2); // truncated
            default -> new String(good, StandardCharsets.UTF_8).replace(id, id + "-spoofed").getBytes(StandardCharsets.UTF_8);
        };
    }

    private byte[] corruptCrc(byte[] payload) {
        byte[] copy = payload.clone();
        copy[copy.length - 1] ^= 0x5A;
        return copy;
    }

    private byte[] envV3(Instant eventTime) {
        sequence = (sequence + 1) & 0xFFFF;
        int flags = (batteryPct < 10 ? 2 : 0) | (random.nextInt(500) == 0 ? 1 : 0);
        ByteBuffer out = ByteBuffer.allocate(16)
                .put((byte) 3).putShort((short) sequence).putInt((int) eventTime.getEpochSecond())
                .putShort((short) Math.round(temperatureC * 100)).putShort((short) Math.round(humidityPct * 100))
                .putShort((short) Math.round((3.0 + batteryPct / 100 * 1.2) * 1000)).put((byte) flags);
        byte[] bytes = out.array();
        int crc = Crc16CcittFalse.of(bytes, 0, 14);
        bytes[14] = (byte) (crc >> 8);
        bytes[15] = (byte) crc;
        return bytes;
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
