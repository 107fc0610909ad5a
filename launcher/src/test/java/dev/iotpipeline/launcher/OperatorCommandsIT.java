package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.console.ConsoleServer;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.DeadLetterHeaders;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.streams.batch.BatchPolicy;
import dev.iotpipeline.testing.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator subcommands against one running embedded pipeline (started once for the class; the
 * status counts are checked first, before the other tests send anything).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorCommandsIT {

    @TempDir
    static Path dataDir;

    private EmbeddedSettings settings;
    private EmbeddedPipeline pipeline;

    @BeforeAll
    void startPipeline() {
        settings = EmbeddedSettings.onFreePorts(dataDir, new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES,
                Duration.ofSeconds(2)));
        // The format samples carry event times of November 2025: kept whatever the date the tests run on.
        pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream()))
                .withRetention(Map.of("env_readings", 0, "positions", 0, "lake", 0)).start();
    }

    @AfterAll
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(2)
    void desiredStateAndCommandsFromTheCliReachAConnectedDeviceAndTheRolloutIsCounted() throws Exception {
        String[] target = {"--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl()};
        new DeviceProvisioning(settings.devicesFile()).put("env-0001", "env-sensor", "s1", 1_000);
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        MqttClient device = connect("env-0001", "s1");
        for (String filter : List.of("cmd/env-sensor/env-0001/#", "cmd/env-sensor/broadcast/#", "shadow/env-sensor/env-0001/delta")) {
            device.subscribe(filter, 1, (topic, message) -> received.add(topic + " " + new String(message.getPayload())));
        }

        assertThat(run(concat(new String[] {"shadow", "set", "env-0001", "--type", "env-sensor", "{\"interval_s\":60}"}, target)))
                .contains("updated");
        assertThat(run(concat(new String[] {"shadow", "set", "env-0001", "--type", "env-sensor", "{\"led\":\"on\"}"}, target)))
                .contains("updated");
        String commandId = run(concat(new String[] {"command", "send", "--all-of-type", "env-sensor", "reboot",
                "{\"delay_s\":5}", "--expires-in", "PT10M"}, target)).strip();

        List<DeviceShadow> shadows = read(pipeline, Topics.SHADOW, DeviceShadow.class, 2);
        assertThat(shadows).extracting(DeviceShadow::getVersion).containsExactly(1L, 2L);
        assertThat(shadows.get(1).getDelta()).isEqualTo("{\"interval_s\":60,\"led\":\"on\"}");
        Command command = read(pipeline, Topics.COMMANDS, Command.class, 1).get(0);
        assertThat(command.getCommandId()).isEqualTo(commandId);
        assertThat(command.getTarget()).isEqualTo(CommandTarget.DEVICE_TYPE);
        assertThat(Duration.between(command.getCreatedTime(), command.getExpiresTime())).isEqualTo(Duration.ofMinutes(10));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(received)
                .contains("cmd/env-sensor/broadcast/reboot {\"delay_s\":5}",
                        "shadow/env-sensor/env-0001/delta {\"version\":2,\"delta\":{\"interval_s\":60,\"led\":\"on\"}}"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(run(concat(new String[] {"command", "status", commandId}, target))).contains("DELIVERED  1 devices"));
        device.disconnect();
    }

    @Test
    @Order(1)
    void simulateProvisionsDevicesOfEveryFormatAndStatusCountsWhatFlowed() throws Exception {
        String sent = run("simulate", "--devices", "1", "--count", "25", "--rate", "200", "--bad", "0.2",
                "--mqtt", "tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), "--http", "http://127.0.0.1:" + pipeline.bridge().httpPort(),
                "--devices-file", settings.devicesFile().toString());
        assertThat(sent).contains("Provisioned 5 simulated devices");
        for (String format : SimulatedDevice.FORMATS) {
            assertThat(sent).contains(format);
        }
        String[] status = {"status", "--data-dir", dataDir.toString(),
            "--bridge-management-port", Integer.toString(pipeline.bridge().managementPort()),
            "--streams-http-port", Integer.toString(settings.streamsHttpPort()), "--postgres-port", Integer.toString(settings.postgresPort()),
            "--metrics-port", Integer.toString(settings.metricsPort())};
        assertThat(run(status)).containsPattern("messages accepted\\s+25\\n");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(run(status)).containsPattern("raw messages read\\s+25\\n"));
        // Both sinks stored what was converted: each reading once in the warehouse and once in the lake.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(run(status))
                .containsPattern("Sinks \\(warehouse, lake\\):\\n  rows stored\\s+\\d+\\n    iot-lake-sink\\s+[1-9]\\d*\\n"
                        + "    iot-warehouse-sink\\s+[1-9]\\d*\\n"));
        // A second run reuses the provisioned devices and secrets.
        assertThat(run("simulate", "--devices", "1", "--count", "5", "--rate", "200",
                "--mqtt", "tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), "--http", "http://127.0.0.1:" + pipeline.bridge().httpPort(),
                "--devices-file", settings.devicesFile().toString())).contains("Sent");
    }

    /**
     * The issue's end-to-end case: env-sensor v4 (a layout no built-in descriptor reads, the
     * streams-app walkthrough's descriptor and samples) goes live on the running pipeline with
     * {@code formats add}: a v4 reading before it is dead-lettered {@code unknown-format}; once the
     * descriptor is published, {@code deadletters replay} brings that reading back and it is stored
     * once in the warehouse and the lake, and a second replay sends nothing; {@code formats list}
     * and {@code history} show the publication.
     */
    @Test
    @Order(3)
    void aNewFormatVersionGoesLiveOnTheRunningPipelineWithOneCommand() throws Exception {
        String[] target = {"--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl()};
        Path walkthrough = Path.of("..", "streams-app", "src", "test", "resources", "descriptors").toAbsolutePath().normalize();
        Path descriptor = walkthrough.resolve("env-sensor-v4.yaml");
        Path samples = walkthrough.resolve("env-sensor/v4");
        byte[] reading = Files.readAllBytes(samples.resolve("normal.bin"));
        new DeviceProvisioning(settings.devicesFile()).put("env-v4-0001", "env-sensor", "s4", 1_000);
        MqttClient device = connect("env-v4-0001", "s4");

        device.publish("dt/env-sensor/env-v4-0001/v4", reading, 1, false);
        device.disconnect();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(deadLetterReasons("env-v4-0001"))
                .as("a v4 reading before its descriptor").containsExactly("unknown-format"));

        String listed = run(concat(new String[] {"deadletters", "list", "--device", "env-v4-0001"}, target));
        Matcher letter = Pattern.compile("^(\\d+@\\d+) ", Pattern.MULTILINE).matcher(listed);
        assertThat(letter.find()).as(listed).isTrue();
        assertThat(run(concat(new String[] {"deadletters", "show", letter.group(1)}, target)))
                .contains("reason      unknown-format").contains("iot.format.version           v4")
                .contains("payload     22 bytes").containsPattern("  0000  04 ");
        assertThat(run(concat(new String[] {"deadletters", "list", "--device", "env-v4-0001", "--since",
                Instant.now().plusSeconds(3600).toString()}, target))).contains("0 dead letters");

        assertThat(run("formats", "test", descriptor.toString(), "--samples", samples.toString()))
                .contains("env-sensor/v4 compiled from").contains("9 samples: 9 as expected, 0 not");
        assertThat(run(concat(new String[] {"formats", "add", descriptor.toString(), "--samples", samples.toString()}, target)))
                .contains("Published env-sensor/v4 revision 1");
        assertThat(run(concat(new String[] {"formats", "list"}, target))).containsPattern("env-sensor/v4\\s+published: revision 1")
                .containsPattern("env-sensor/v3\\s+built in");
        assertThat(run(concat(new String[] {"formats", "history", "env-sensor/v4"}, target)))
                .containsPattern("env-sensor/v4\\s+1\\s+").contains(FormatTopics.sha256(Files.readString(descriptor)));

        // The reading dead-lettered before the descriptor existed is replayed. The instances take the
        // descriptor up within moments: a replay before that is dead-lettered again (a new letter, replayed
        // by the next round); after it the reading is stored.
        String jdbc = "jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/iot";
        String[] replay = concat(new String[] {"deadletters", "replay", "--reason", "unknown-format", "--format", "env-sensor/v4"}, target);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(4)).until(() -> {
            if (envRows(jdbc, "env-v4-0001").isEmpty()) {
                run(replay);
                return false;
            }
            return true;
        });
        assertThat(run(replay)).as("a second replay sends nothing").startsWith("Replayed 0 dead letters;");
        assertThat(run(concat(new String[] {"deadletters", "list", "--device", "env-v4-0001"}, target)))
                .contains("env-sensor/v4").contains("unknown-format").contains("yes");
        // For two batch ages and more, the reading stays stored once: a doubled reading would show by then.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> envRows(jdbc, "env-v4-0001").size() == 1);
        assertThat(run(concat(new String[] {"formats", "withdraw", "env-sensor/v4"}, target))).contains("Withdrew env-sensor/v4 (revision 2)");
        assertThat(run(concat(new String[] {"formats", "list"}, target))).doesNotContain("env-sensor/v4");
        assertThat(run(concat(new String[] {"formats", "history", "env-sensor/v4"}, target))).contains("(withdrawn)");
        assertThat(envRows(jdbc, "env-v4-0001")).as("stored once, converted by the v4 descriptor")
                .containsExactly("2025-11-23T21:33:20.250Z env-sensor/v4 21.5 41.0");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(QosFleet.lake(settings.lakeDir()))
                .filteredOn(row -> row.startsWith("env-v4-0001|")).containsExactly("env-v4-0001|1763933600250"));
    }

    /**
     * {@code devices erase}: a device with warehouse rows, rollups, lake files, a shadow and a pending
     * command, still connected and publishing right up to the erasure. Afterwards psql and DuckDB
     * find nothing of it, while every reading of the device next to it is still there; its shadow
     * and command are tombstoned, its connection is closed and a new one refused, and its readings
     * that were on their way do not come back.
     */
    @Test
    @Order(4)
    void erasingADeviceLeavesNothingOfItInTheWarehouseTheLakeOrItsShadowAndCommandsAndNothingComesBack() throws Exception {
        String[] target = {"--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl()};
        new DeviceProvisioning(settings.devicesFile()).put("era-gone", "env-sensor", "s-gone", 1_000);
        new DeviceProvisioning(settings.devicesFile()).put("era-kept", "env-sensor", "s-kept", 1_000);
        MqttClient gone = connect("era-gone", "s-gone");
        MqttClient kept = connect("era-kept", "s-kept");
        long t0 = Instant.parse("2026-11-20T10:00:00Z").getEpochSecond();
        for (int i = 0; i < 20; i++) {
            gone.publish("sensors/era-gone/data", v1("era-gone", t0 + 60L * i), 1, false);
            kept.publish("sensors/era-kept/data", v1("era-kept", t0 + 60L * i), 1, false);
        }
        run(concat(new String[] {"shadow", "set", "era-gone", "--type", "env-sensor", "{\"interval_s\":5}"}, target));
        String commandId = run(concat(new String[] {"command", "send", "--device", "era-gone", "--type", "env-sensor", "calibrate",
            "{}", "--expires-in", "PT1H"}, target)).strip();
        String jdbc = "jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/iot";
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(psql("SELECT count(*) FROM iot.env_readings WHERE device_id = 'era-gone'")).isEqualTo("20");
            assertThat(QosFleet.lake(settings.lakeDir())).filteredOn(row -> row.startsWith("era-gone|")).hasSize(20);
        });
        // On their way at the erasure: acknowledged by the bridge, not yet in a closed batch.
        for (int i = 20; i < 25; i++) {
            gone.publish("sensors/era-gone/data", v1("era-gone", t0 + 60L * i), 1, false);
        }

        String erased = run(concat(new String[] {"devices", "erase", "era-gone", "--yes", "--data-dir", dataDir.toString(),
            "--warehouse-url", jdbc}, target));

        assertThat(erased).contains("registry    removed from", "commands    1 withdrawn (1 of them pending)", "Erased era-gone at")
                .doesNotContain("had not caught up");
        assertThat(erased).containsPattern("warehouse   \\d+ rows deleted \\{env_readings=2\\d, ");
        assertThat(erased).containsPattern("lake        2\\d rows removed");
        assertThat(new DeviceProvisioning(settings.devicesFile()).find("era-gone")).isEmpty();
        // Connected, it is disconnected at its next publish; it cannot connect again.
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> {
            gone.publish("sensors/era-gone/data", v1("era-gone", t0 + 60L * 30), 1, false);
            gone.publish("sensors/era-gone/data", v1("era-gone", t0 + 60L * 31), 1, false);
        });
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> connect("era-gone", "s-gone"));
        // A reading of the other device sent after the erasure has gone all the way: everything before it has too.
        kept.publish("sensors/era-kept/data", v1("era-kept", t0 + 60L * 40), 1, false);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(psql("SELECT count(*) FROM iot.env_readings WHERE device_id = 'era-kept'")).isEqualTo("21");
            assertThat(QosFleet.lake(settings.lakeDir())).filteredOn(row -> row.startsWith("era-kept|")).hasSize(21);
        });
        for (String table : List.of("env_readings", "env_readings_1m", "env_readings_1h")) {
            assertThat(psql("SELECT count(*) FROM iot." + table + " WHERE device_id = 'era-gone'")).as(table).isEqualTo("0");
        }
        assertThat(psql("SELECT sum(reading_count) FROM iot.env_readings_1h WHERE device_id = 'era-kept'")).isEqualTo("21");
        assertThat(QosFleet.lake(settings.lakeDir())).noneMatch(row -> row.startsWith("era-gone|"));
        assertThat(lastValues(Topics.SHADOW, "era-gone")).as("shadow tombstoned").endsWith((byte[]) null);
        assertThat(lastValues(Topics.COMMANDS, commandId)).as("command tombstoned").endsWith((byte[]) null);
        // Run again (after a crash half-way, say), it finishes the job and finds nothing more.
        String again = run(concat(new String[] {"devices", "erase", "era-gone", "--yes", "--data-dir", dataDir.toString(),
            "--warehouse-url", jdbc}, target));
        assertThat(again).contains("registry    not in", "warehouse   0 rows deleted", "lake        0 rows removed",
                "commands    0 withdrawn");
        kept.disconnect();
    }

    /**
     * Every component's metrics at one URL: the bridge's, the streams app's and the sinks' own (with
     * the end-to-end latency histogram and the sinks' consumer lag), in a text Prometheus's own
     * parser takes whole (promtool: no family twice, no syntax error) with the sinks' families clean of
     * lint findings.
     */
    @Test
    @Order(5)
    void everyComponentsMetricsAreAtOneUrlInAFormatPrometheusParses() throws Exception {
        String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + settings.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();

        assertThat(body).contains("iot_bridge_messages_accepted_total{", "iot_streams_batches_total{",
                "iot_sink_rows_stored_total{connector=\"iot-warehouse-sink\"", "iot_sink_rows_stored_total{connector=\"iot-lake-sink\"",
                "iot_sink_files_written_total{connector=\"iot-lake-sink\"", "iot_sink_consumer_records_lag{",
                "# TYPE iot_sink_end_to_end_latency_seconds histogram");
        assertThat(body).containsPattern("iot_sink_end_to_end_latency_seconds_bucket\\{(?=[^}]*connector=\"iot-warehouse-sink\")"
                + "(?=[^}]*le=\"\\+Inf\")[^}]*} [1-9]");
        assertThat(body).containsPattern("iot_sink_end_to_end_latency_seconds_count\\{[^}]*connector=\"iot-lake-sink\"[^}]*} [1-9]");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (var in = promtool.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        String findings = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor()).as("promtool parses the whole text (1 is a parse error): " + findings).isIn(0, 3);
        assertThat(findings).doesNotContain("iot_sink_");
    }

    /**
     * The chart's dashboards and alert rules against the real thing: Prometheus (Debian's
     * {@code prometheus}) scrapes this pipeline's metrics URL every second with the rendered
     * PrometheusRule loaded as its rule file; every dashboard panel query (Grafana's variables
     * substituted) and every alert expression must evaluate without an error, and every metric
     * name in them must be one Prometheus has scraped: a renamed metric breaks this test, not a
     * dashboard in production.
     */
    @Test
    @Order(6)
    void everyDashboardQueryAndAlertExpressionEvaluatesOnAPrometheusScrapingThisPipeline(@TempDir Path work) throws Exception {
        Path chart = Path.of(System.getProperty("iot.repository.root", "..")).resolve("helm").resolve("iot-pipeline");
        Map<String, String> alerts = ChartMonitoring.writeRules(chart, work.resolve("rules.yaml"));
        Map<String, String> panels = ChartMonitoring.dashboardQueries(chart.resolve("dashboards"));
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(11);
        assertThat(panels).hasSizeGreaterThan(40);
        try (ChartMonitoring.Prometheus prometheus = ChartMonitoring.Prometheus.start(work, settings.metricsPort())) {
            Set<String> known = prometheus.awaitScraped("iot_sink_rows_stored_total", "iot_connect_tasks", "iot_bridge_messages_accepted_total",
                    "iot_streams_batches_total");
            List<String> problems = new ArrayList<>();
            Map<String, String> all = new java.util.LinkedHashMap<>(panels);
            alerts.forEach((alert, expr) -> all.put("alert " + alert, expr));
            ChartMonitoring.variableMetrics(chart.resolve("dashboards")).forEach((variable, metric) -> all.put("variable " + variable, metric));
            for (Map.Entry<String, String> query : all.entrySet()) {
                String error = prometheus.queryError(query.getValue());
                if (error != null) {
                    problems.add(query.getKey() + ": " + error + "\n    " + query.getValue());
                }
                for (String name : ChartMonitoring.metricNames(query.getValue())) {
                    if (!known.contains(name)) {
                        problems.add(query.getKey() + ": no metric " + name + " in the scrape\n    " + query.getValue());
                    }
                }
            }
            assertThat(problems).as("queries that fail or name a metric the pipeline does not have").isEmpty();
            // The rule file loaded as it is and every rule evaluated without an error.
            assertThat(prometheus.awaitRulesEvaluated()).containsExactlyInAnyOrderElementsOf(alerts.keySet());

            // The console as the chart runs it, its flow from Prometheus, shows what the embedded one reads from the metrics URL.
            try (ConsoleServer deployed = ConsoleServer.start("127.0.0.1", 0, new ConsoleServer.Sources(pipeline.bootstrapServers(),
                    pipeline.registryUrl(), pipeline.warehouse().jdbcUrl(), "iot", "iot", settings.devicesFile(), null,
                    URI.create(prometheus.url()), null, null, EmbeddedPipeline.SINK_DEAD_LETTER_TOPICS))) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(flowTotals(deployed.port()))
                        .isEqualTo(flowTotals(settings.consolePort())).containsKeys("bridge", "streams", "iot-warehouse-sink", "iot-lake-sink"));
            }
        }
    }

    /**
     * An operator's erase killed half-way (SIGKILL once it reported the warehouse done, while it
     * works on the lake and Kafka) is finished by running it again: the device's readings are gone
     * from both stores, the other device's stay, and a third run finds nothing.
     */
    @Test
    @Order(7)
    void anEraseKilledHalfWayIsFinishedByRunningItAgain() throws Exception {
        String[] target = {"--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl()};
        String jdbc = "jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/iot";
        new DeviceProvisioning(settings.devicesFile()).put("kill-gone", "env-sensor", "s-kill-gone", 1_000);
        new DeviceProvisioning(settings.devicesFile()).put("kill-kept", "env-sensor", "s-kill-kept", 1_000);
        MqttClient gone = connect("kill-gone", "s-kill-gone");
        MqttClient kept = connect("kill-kept", "s-kill-kept");
        long t0 = Instant.parse("2026-11-21T10:00:00Z").getEpochSecond();
        for (int i = 0; i < 10; i++) {
            gone.publish("sensors/kill-gone/data", v1("kill-gone", t0 + 60L * i), 1, false);
            kept.publish("sensors/kill-kept/data", v1("kill-kept", t0 + 60L * i), 1, false);
        }
        gone.disconnect();
        kept.disconnect();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(psql("SELECT count(*) FROM iot.env_readings WHERE device_id IN ('kill-gone', 'kill-kept')")).isEqualTo("20");
            assertThat(QosFleet.lake(settings.lakeDir())).filteredOn(row -> row.startsWith("kill-")).hasSize(20);
        });

        List<String> args = new ArrayList<>(List.of("devices", "erase", "kill-gone", "--yes", "--data-dir", dataDir.toString(),
                "--warehouse-url", jdbc));
        args.addAll(List.of(target));
        try (ChildJvm erase = new ChildJvm("devices erase", dataDir.resolve("erase-killed.out"), "256m", Map.of(),
                Pipeline.class.getName(), args)) {
            erase.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> erase.outputSinceLaunch().contains("  warehouse "));
            erase.kill();
            assertThat(erase.outputSinceLaunch()).as("killed before it finished").doesNotContain("Erased kill-gone");
        }
        assertThat(new DeviceProvisioning(settings.devicesFile()).find("kill-gone")).isEmpty();

        String again = run(concat(new String[] {"devices", "erase", "kill-gone", "--yes", "--data-dir", dataDir.toString(),
            "--warehouse-url", jdbc}, target));

        assertThat(again).contains("registry    not in", "warehouse   0 rows deleted", "Erased kill-gone at");
        for (String table : List.of("env_readings", "env_readings_1m", "env_readings_1h")) {
            assertThat(psql("SELECT count(*) FROM iot." + table + " WHERE device_id = 'kill-gone'")).as(table).isEqualTo("0");
        }
        assertThat(QosFleet.lake(settings.lakeDir())).noneMatch(row -> row.startsWith("kill-gone|"))
                .filteredOn(row -> row.startsWith("kill-kept|")).hasSize(10);
        assertThat(psql("SELECT count(*) FROM iot.env_readings WHERE device_id = 'kill-kept'")).isEqualTo("10");
        assertThat(run(concat(new String[] {"devices", "erase", "kill-gone", "--yes", "--data-dir", dataDir.toString(),
            "--warehouse-url", jdbc}, target))).contains("warehouse   0 rows deleted", "lake        0 rows removed");
    }

    /** Readings through each stage of a console's flow, by stage id. */
    private static Map<String, Double> flowTotals(int consolePort) throws Exception {
        HttpResponse<String> flow = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort
                + "/api/flow")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(flow.statusCode()).as(flow.body()).isEqualTo(200);
        Map<String, Double> totals = new TreeMap<>();
        new ObjectMapper().readTree(flow.body()).get("stages").forEach(stage -> totals.put(stage.get("id").asText(), stage.get("total").asDouble()));
        return totals;
    }

    private static byte[] v1(String deviceId, long epochSeconds) {
        return String.format("{\"id\":\"%s\",\"ts\":%d,\"t\":215,\"h\":41,\"bat\":87}", deviceId, epochSeconds)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A one-value query through psql, the analysts' own client. */
    private String psql(String query) throws Exception {
        ProcessBuilder psql = new ProcessBuilder("psql", "-h", "127.0.0.1", "-p", Integer.toString(settings.postgresPort()), "-U", "iot",
                "-d", "iot", "-tA", "-c", query).redirectErrorStream(true);
        psql.environment().put("PGPASSWORD", "iot");
        Process process = psql.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor()).as("psql: " + output).isZero();
        return output;
    }

    /** Every value of a key on a topic, in order (null for a tombstone). */
    private List<byte[]> lastValues(String topic, String key) {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", pipeline.bootstrapServers(),
                "group.id", "values-" + System.nanoTime(), "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        values.add(record.value());
                    }
                }
            }
        }
        return values;
    }

    private MqttClient connect(String deviceId, String secret) throws Exception {
        MqttClient device = new MqttClient("tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), deviceId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(deviceId);
        options.setPassword(secret.toCharArray());
        device.connect(options);
        return device;
    }

    /** {@code event_time source_format temperature_c humidity_pct} of the device's warehouse rows. */
    private static List<String> envRows(String jdbc, String deviceId) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection sql = DriverManager.getConnection(jdbc, "iot", "iot");
             PreparedStatement query = sql.prepareStatement("SELECT event_time, source_format, temperature_c, humidity_pct"
                     + " FROM iot.env_readings WHERE device_id = ? ORDER BY event_time")) {
            query.setString(1, deviceId);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getTimestamp(1).toInstant() + " " + result.getString(2) + " " + result.getDouble(3) + " "
                            + result.getDouble(4));
                }
            }
        } catch (SQLException e) {
            return List.of(); // the table appears with the first batch
        }
        return rows;
    }

    /** The dead-letter reasons of {@code deviceId}'s messages so far. */
    private List<String> deadLetterReasons(String deviceId) {
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", pipeline.bootstrapServers(),
                "group.id", "dlq-" + System.nanoTime(), "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Header reason = record.headers().lastHeader(DeadLetterHeaders.REASON);
                    if (deviceId.equals(record.key()) && reason != null) {
                        reasons.add(new String(reason.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return reasons;
    }

    private static <T extends SpecificRecord> List<T> read(EmbeddedPipeline pipeline, String topic, Class<T> type, int count) {
        var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(pipeline.registryUrl()), type);
        List<T> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                pipeline.bootstrapServers(), "group.id", "read-" + topic, "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(deserializer.deserialize(r.topic(), r.value())));
            }
        }
        return values;
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        PrintStream previous = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            int code = Pipeline.commandLine().setErr(new PrintWriter(out)).execute(args);
            assertThat(code).as(String.join(" ", args) + ": " + out).isZero();
        } finally {
            System.setOut(previous);
        }
        return captured.toString();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
