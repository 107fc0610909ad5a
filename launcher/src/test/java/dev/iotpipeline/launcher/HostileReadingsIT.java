package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Hostile readings of every class the streams app must refuse, sent by provisioned devices over
 * MQTT and HTTP between their own good readings and those of other devices, on the embedded
 * pipeline: the streams app stays RUNNING throughout, every good reading is in the warehouse and in
 * the lake exactly once, every hostile one is a dead letter with its reason, and
 * {@code ./pipeline status} counts them by reason.
 */
class HostileReadingsIT {

    private static final String HUGE = "1e999999999";

    @TempDir
    Path dataDir;

    /** One hostile payload, the reason it must be dead-lettered with, and how it travels. */
    private record Hostile(SimulatedDevice device, String payload, String reason, boolean http) {
    }

    @Test
    void hostileReadingsAreDeadLetteredWithTheirReasonAndEveryGoodOneLandsOnce() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir,
                new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES, Duration.ofSeconds(1)));
        // The readings carry event times of November 2025: kept whatever the date the tests run on.
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream()))
                .withRetention(Map.of("env_readings", 0, "positions", 0, "lake", 0)).start()) {
            DeviceProvisioning registry = new DeviceProvisioning(settings.devicesFile());
            SimulatedDevice envV1 = provision(registry, "hostile-env-v1", "env-sensor/v1");
            SimulatedDevice envV2Http = provision(registry, "hostile-env-v2-http", "env-sensor/v2");
            SimulatedDevice envV2Mqtt = provision(registry, "hostile-env-v2-mqtt", "env-sensor/v2");
            SimulatedDevice gpsV1 = provision(registry, "hostile-gps-v1", "gps-tracker/v1");
            SimulatedDevice gpsV2 = provision(registry, "hostile-gps-v2", "gps-tracker/v2");
            List<SimulatedDevice> bystanders = new ArrayList<>();
            for (String format : SimulatedDevice.FORMATS) {
                bystanders.add(provision(registry, "bystander-" + format.replace('/', '-'), format));
            }
            List<Hostile> hostile = List.of(
                    new Hostile(envV1, "{\"id\":\"hostile-env-v1\",\"ts\":9000000000000000000,\"t\":215,\"h\":40}",
                            "out-of-range:event_time", false),
                    new Hostile(envV1, "{\"id\":\"hostile-env-v1\",\"ts\":1763933600,\"t\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
                            "malformed-json", false),
                    new Hostile(envV2Http, envV2("hostile-env-v2-http", "-999999999-01-01T00:00:00Z", "70.7", "2.3.1", "m1"),
                            "out-of-range:event_time", true),
                    new Hostile(envV2Http, envV2("hostile-env-v2-http", "2025-11-24T06:33:20Z", "70.7", "2.3.1", "a\\u0000b"),
                            "invalid-field:msgId", true),
                    new Hostile(envV2Mqtt, envV2("hostile-env-v2-mqtt", "2025-11-24T06:33:20Z", HUGE, "2.3.1", "m2"),
                            "out-of-range:temperature_c", false),
                    new Hostile(envV2Mqtt, envV2("hostile-env-v2-mqtt", "2025-11-24T06:33:21Z", "70.7", "x".repeat(200), "m3"),
                            "invalid-field:device.fw", false),
                    // A multi-kilobyte string is refused by the JSON reader's own string limit, before any field is read.
                    new Hostile(envV2Mqtt, envV2("hostile-env-v2-mqtt", "2025-11-24T06:33:22Z", "70.7", "2.3.1", "y".repeat(5000)),
                            "malformed-json", false),
                    new Hostile(gpsV1, "hostile-gps-v1," + HUGE + ",35.681236,139.767125,12.6,270", "out-of-range:event_time", false),
                    new Hostile(gpsV2, "{\"deviceId\":\"hostile-gps-v2\",\"ts\":1763933600123,\"position\":{\"type\":\"Point\","
                            + "\"coordinates\":[139.767125,35.681236]},\"speedMps\":" + HUGE + "}", "out-of-range:speed_mps", true));

            StateWatch watch = new StateWatch(pipeline);
            watch.start();
            HttpClient http = HttpClient.newHttpClient();
            Set<String> good = new ConcurrentSkipListSet<>();
            Instant from = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
            List<SimulatedDevice> everyone = new ArrayList<>(List.of(envV1, envV2Http, envV2Mqtt, gpsV1, gpsV2));
            everyone.addAll(bystanders);
            try (Senders senders = new Senders(pipeline, http)) {
                for (int round = 0; round < 10; round++) {
                    Instant eventTime = from.plusSeconds(round);
                    for (SimulatedDevice device : everyone) {
                        senders.send(device, device.nextReading(eventTime), device == envV2Http || device == gpsV2);
                        good.add(device.id() + "|" + eventTime.toEpochMilli());
                    }
                    if (round < hostile.size()) {
                        Hostile bad = hostile.get(round);
                        senders.send(bad.device(), bad.payload().getBytes(StandardCharsets.UTF_8), bad.http());
                    }
                }
            }

            assertThat(deadLetters(pipeline, hostile.size())).containsExactlyInAnyOrderElementsOf(
                    hostile.stream().map(h -> h.device().id() + "|" + h.reason()).toList());
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(QosFleet.warehouse(settings.postgresPort())).containsExactlyElementsOf(new TreeSet<>(good)));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(QosFleet.lake(settings.lakeDir())).containsExactlyElementsOf(new TreeSet<>(good)));
            watch.stop();
            assertThat(watch.unhealthy).as("streams app states other than RUNNING").isEmpty();

            String status = status(settings, pipeline);
            assertThat(status).containsPattern("out-of-range:event_time\\s+3\\b").containsPattern("malformed-json\\s+2\\b")
                    .containsPattern("invalid-field:msgId\\s+1\\b").containsPattern("out-of-range:temperature_c\\s+1\\b")
                    .containsPattern("invalid-field:device.fw\\s+1\\b").containsPattern("out-of-range:speed_mps\\s+1\\b");
        }
    }

    private static String envV2(String id, String time, String fahrenheit, String fw, String msgId) {
        return "{\"v\":2,\"device\":{\"id\":\"" + id + "\",\"fw\":\"" + fw + "\"},\"time\":\"" + time + "\","
                + "\"readings\":{\"temperature\":{\"value\":" + fahrenheit + ",\"unit\":\"F\"},\"humidity\":0.41},"
                + "\"battery\":{\"voltage\":3.71},\"msgId\":\"" + msgId + "\"}";
    }

    private static SimulatedDevice provision(DeviceProvisioning registry, String id, String format) throws Exception {
        SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
        registry.put(id, device.deviceType(), device.secret(), 1_000);
        return device;
    }

    /** Samples the streams app's state while the test runs and keeps every state that is not RUNNING. */
    private static final class StateWatch {
        final Set<KafkaStreams.State> unhealthy = new ConcurrentSkipListSet<>();
        private final EmbeddedPipeline pipeline;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final Thread thread;

        StateWatch(EmbeddedPipeline pipeline) {
            this.pipeline = pipeline;
            this.thread = new Thread(this::watch, "streams-state-watch");
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            thread.join();
        }

        private void watch() {
            while (!stopped.get()) {
                KafkaStreams.State state = pipeline.streams().state();
                if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
                    unhealthy.add(state);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    /** One MQTT connection per device (QoS 1, returns on PUBACK) or HTTP POSTs (returns on 200). */
    private static final class Senders implements AutoCloseable {
        private final EmbeddedPipeline pipeline;
        private final HttpClient http;
        private final Map<String, MqttClient> clients = new HashMap<>();

        Senders(EmbeddedPipeline pipeline, HttpClient http) {
            this.pipeline = pipeline;
            this.http = http;
        }

        void send(SimulatedDevice device, byte[] payload, boolean overHttp) throws Exception {
            if (overHttp) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + pipeline.bridge().httpPort() + device.httpPath())).header("Authorization", "Bearer " + device.secret())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                return;
            }
            MqttClient client = clients.get(device.id());
            if (client == null) {
                client = new MqttClient("tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), device.id(), new MemoryPersistence());
                MqttConnectOptions options = new MqttConnectOptions();
                options.setUserName(device.id());
                options.setPassword(device.secret().toCharArray());
                client.setTimeToWait(20_000);
                client.connect(options);
                clients.put(device.id(), client);
            }
            client.publish(device.mqttTopic(), payload, 1, false);
        }

        @Override
        public void close() throws Exception {
            for (MqttClient client : clients.values()) {
                client.disconnect();
                client.close();
            }
        }
    }

    /** {@code device id|reason} of the first {@code expected} dead letters (and any more that come within a few seconds). */
    private static List<String> deadLetters(EmbeddedPipeline pipeline, int expected) {
        List<String> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", pipeline.bootstrapServers(),
                "group.id", "hostile-dlq", "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> letters.add(header(r.headers().lastHeader(TelemetryHeaders.DEVICE_ID))
                        + "|" + header(r.headers().lastHeader(DeadLetterHeaders.REASON))));
                if (letters.size() >= expected && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return letters;
    }

    private static String header(Header header) {
        return header == null ? "(none)" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String status(EmbeddedSettings settings, EmbeddedPipeline pipeline) {
        StringWriter err = new StringWriter();
        PrintStream previous = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Pipeline()).setErr(new PrintWriter(err)).execute("status", "--data-dir", settings.dataDir().toString(),
                    "--bridge-management-port", Integer.toString(pipeline.bridge().managementPort()), "--streams-http-port",
                    Integer.toString(settings.streamsHttpPort()), "--postgres-port", Integer.toString(settings.postgresPort()),
                    "--metrics-port", Integer.toString(settings.metricsPort()));
            assertThat(code).as(err.toString()).isZero();
        } finally {
            System.setOut(previous);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
