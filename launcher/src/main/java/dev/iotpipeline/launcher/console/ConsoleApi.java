package dev.iotpipeline.launcher.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.CommandsCommand;
import dev.iotpipeline.launcher.DeadLetters;
import dev.iotpipeline.launcher.KafkaOptions;
import dev.iotpipeline.launcher.SafeText;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The console's JSON API: one method per route, plain records and maps out, Jackson writes them. */
final class ConsoleApi {

    /** A route or a thing that does not exist: 404. */
    static final class NotFound extends Exception {
        NotFound(String message) {
            super(message);
        }
    }

    /** Samples of each reason on the dead letters page, newest first. */
    static final int SAMPLES_PER_REASON = 5;
    /**
     * Offsets of each dead-letter partition the page reads, the newest: a flood of bad readings
     * (millions of letters) keeps the page answering in seconds. Replay reads them all.
     */
    static final long DEAD_LETTER_WINDOW = 20_000;
    /** Bytes of a sample's payload shown in the list (all of it in {@code deadletters/letter}). */
    static final int SAMPLE_PAYLOAD_BYTES = 256;
    private static final Duration COMMAND_EXPIRY = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsoleServer.Sources sources;
    private final FlowView flow;
    private final WarehouseView warehouse;
    private final DevicesView devices;

    ConsoleApi(ConsoleServer.Sources sources) {
        this.sources = sources;
        this.flow = new FlowView(sources.metricsUrl() != null ? MetricsSource.scrape(sources.metricsUrl())
                : MetricsSource.prometheus(sources.prometheusUrl()));
        this.warehouse = new WarehouseView(sources.jdbcUrl(), sources.jdbcUser(), sources.jdbcPassword());
        this.devices = new DevicesView(sources.devicesFile(), sources.bootstrapServers(), sources.registryUrl(), warehouse);
    }

    Object get(String route, Map<String, String> query) throws Exception {
        return switch (route) {
            case "config" -> {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("mapTilesUrl", sources.mapTilesUrl());
                yield config;
            }
            case "flow" -> flow.read();
            case "deadletters" -> deadLetters();
            case "deadletters/letter" -> letter(required(query, "id"));
            case "devices" -> devices.page(query.get("q"), number(query, "offset", 0), number(query, "limit", 100));
            case "positions" -> warehouse.latestPositions(ids("gps-tracker"));
            case "sensors" -> ids("env-sensor");
            case "readings" -> readings(required(query, "device"), query.getOrDefault("hours", "24"));
            default -> throw new NotFound("no such API: " + route);
        };
    }

    Object post(String route, JsonNode body) throws Exception {
        return switch (route) {
            case "deadletters/replay" -> replay(body);
            case "commands" -> sendCommand(body);
            default -> throw new NotFound("no such API: " + route);
        };
    }

    /** The streams app's dead letters and each sink's: counts by reason, with the newest letters of each as samples. */
    private Map<String, Object> deadLetters() {
        Map<String, Object> all = new LinkedHashMap<>(summary(Topics.DEAD_LETTER));
        List<Map<String, Object>> sinks = new ArrayList<>();
        for (String topic : sources.sinkDeadLetterTopics()) {
            sinks.add(summary(topic));
        }
        all.put("sinks", sinks);
        return all;
    }

    private Map<String, Object> summary(String topic) {
        DeadLetters.Letters read = DeadLetters.newest(sources.bootstrapServers(), topic, DEAD_LETTER_WINDOW);
        List<DeadLetters.Letter> letters = read.letters();
        Map<String, List<DeadLetters.Letter>> byReason = new TreeMap<>();
        letters.forEach(letter -> byReason.computeIfAbsent(Objects.toString(letter.reason(), "(none)"), r -> new ArrayList<>())
                .add(letter));
        List<Map<String, Object>> reasons = byReason.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, List<DeadLetters.Letter>> e) -> -e.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .map(entry -> {
                    List<DeadLetters.Letter> each = entry.getValue();
                    Map<String, Object> reason = new LinkedHashMap<>();
                    reason.put("reason", entry.getKey());
                    reason.put("count", each.size());
                    reason.put("replayable", each.stream().filter(l -> l.replayable() && !l.replayed()).count());
                    reason.put("replayed", each.stream().filter(DeadLetters.Letter::replayed).count());
                    reason.put("samples", each.stream().sorted(Comparator.comparing(DeadLetters.Letter::deadLetteredAt).reversed())
                            .limit(SAMPLES_PER_REASON).map(ConsoleApi::sample).toList());
                    return reason;
                }).toList();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("topic", topic);
        summary.put("total", letters.size());
        summary.put("complete", read.complete());
        summary.put("window", DEAD_LETTER_WINDOW);
        summary.put("reasons", reasons);
        return summary;
    }

    private static Map<String, Object> sample(DeadLetters.Letter letter) {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("id", letter.id());
        sample.put("deadLetteredAt", letter.deadLetteredAt());
        sample.put("deviceId", letter.deviceId());
        sample.put("format", letter.format());
        sample.put("message", letter.message() == null ? null : SafeText.of(letter.message()));
        sample.put("replayed", letter.replayed());
        sample.put("payloadBytes", letter.payload().length);
        sample.put("payload", SafeText.payload(Arrays.copyOf(letter.payload(), Math.min(SAMPLE_PAYLOAD_BYTES, letter.payload().length))));
        return sample;
    }

    private Map<String, Object> letter(String id) throws NotFound {
        DeadLetters.Letter letter = DeadLetters.one(sources.bootstrapServers(), id)
                .orElseThrow(() -> new NotFound("no dead letter " + id));
        Map<String, Object> shown = sample(letter);
        shown.put("reason", letter.reason());
        shown.put("key", letter.key() == null ? null : SafeText.of(letter.key()));
        shown.put("headers", letter.headers());
        shown.put("payload", SafeText.payload(letter.payload()));
        return shown;
    }

    /** Replays the letters of a reason (and a device or format, when given); each letter once, ever. */
    private Map<String, Object> replay(JsonNode body) throws InterruptedException {
        String reason = text(body, "reason");
        if (reason == null) {
            throw new IllegalArgumentException("replay needs a reason");
        }
        String deviceId = text(body, "deviceId");
        String format = text(body, "format");
        Predicate<DeadLetters.Letter> filter = letter -> reason.equals(letter.reason())
                && (deviceId == null || deviceId.equals(letter.deviceId())) && (format == null || format.equals(letter.format()));
        DeadLetters.Replayed replayed = DeadLetters.replay(sources.bootstrapServers(), filter);
        return Map.of("sent", replayed.sent(), "skipped", replayed.skipped());
    }

    /** A command to one registered device; its payload must be JSON (an object or any value). */
    private Map<String, Object> sendCommand(JsonNode body) throws InterruptedException {
        String deviceId = text(body, "deviceId");
        String name = text(body, "name");
        if (deviceId == null || name == null) {
            throw new IllegalArgumentException("a command needs deviceId and name");
        }
        DeviceProvisioning.ProvisionedDevice device = devices.registered(null).stream().filter(d -> d.id().equals(deviceId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no device " + deviceId + " in the registry"));
        String payload = Objects.requireNonNullElse(text(body, "payload"), "{}");
        try {
            JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the payload is not JSON: " + e.getOriginalMessage());
        }
        Command command = CommandsCommand.send(KafkaOptions.of(sources.bootstrapServers(), sources.registryUrl()), CommandTarget.DEVICE,
                device.id(), device.type(), name, payload, COMMAND_EXPIRY, null);
        return Map.of("commandId", command.getCommandId(), "expiresTime", command.getExpiresTime());
    }

    /** A sensor's readings of the last hours (0: all it has). */
    private Map<String, Object> readings(String deviceId, String hours) throws SQLException {
        long last;
        try {
            last = Long.parseLong(hours);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hours must be a whole number: " + hours);
        }
        if (last < 0 || last > 24L * 366 * 100) {
            throw new IllegalArgumentException("hours must be 0 (all) or a positive number of hours: " + hours);
        }
        Instant since = last == 0 ? Instant.EPOCH : Instant.now().minus(Duration.ofHours(last));
        return Map.of("deviceId", deviceId, "hours", last, "readings", warehouse.readings(deviceId, since));
    }

    private List<String> ids(String type) {
        return devices.registered(type).stream().map(DeviceProvisioning.ProvisionedDevice::id).toList();
    }

    private static int number(Map<String, String> query, String name, int otherwise) {
        String value = query.get(name);
        try {
            return value == null || value.isBlank() ? otherwise : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number: " + value);
        }
    }

    private static String required(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing query parameter " + name);
        }
        return value;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() || node.asText().isBlank() ? null : node.asText();
    }
}
