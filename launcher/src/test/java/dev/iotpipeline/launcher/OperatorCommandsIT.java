package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.DeviceShadow;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The operator subcommands against a running embedded pipeline. */
class OperatorCommandsIT {

    @TempDir
    Path dataDir;

    @Test
    void desiredStateAndCommandsFromTheCliReachAConnectedDeviceAndTheRolloutIsCounted() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir, BatchPolicy.defaults());
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start()) {
            String[] target = {"--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl()};
            new DeviceProvisioning(settings.devicesFile()).put("env-0001", "env-sensor", "s1", 1_000);
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            var device = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), "env-0001",
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            var options = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
            options.setUserName("env-0001");
            options.setPassword("s1".toCharArray());
            device.connect(options);
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
    }

    @Test
    void simulateProvisionsDevicesOfEveryFormatAndStatusCountsWhatFlowed() throws Exception {
        EmbeddedSettings settings = EmbeddedSettings.onFreePorts(dataDir, BatchPolicy.defaults());
        try (EmbeddedPipeline pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream())).start()) {
            String sent = run("simulate", "--devices", "1", "--count", "25", "--rate", "200", "--bad", "0.2",
                    "--mqtt", "tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), "--http", "http://127.0.0.1:" + pipeline.bridge().httpPort(),
                    "--devices-file", settings.devicesFile().toString());
            assertThat(sent).contains("Provisioned 5 simulated devices");
            for (String format : SimulatedDevice.FORMATS) {
                assertThat(sent).contains(format);
            }
            String[] status = {"status", "--data-dir", dataDir.toString(),
                "--bridge-management-port", Integer.toString(pipeline.bridge().managementPort()),
                "--streams-http-port", Integer.toString(settings.streamsHttpPort()), "--postgres-port", Integer.toString(settings.postgresPort())};
            assertThat(run(status)).containsPattern("messages accepted\\s+25\\n");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(run(status)).containsPattern("raw messages read\\s+25\\n"));
            // A second run reuses the provisioned devices and secrets.
            assertThat(run("simulate", "--devices", "1", "--count", "5", "--rate", "200",
                    "--mqtt", "tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), "--http", "http://127.0.0.1:" + pipeline.bridge().httpPort(),
                    "--devices-file", settings.devicesFile().toString())).contains("Sent");
        }
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
            int code = new CommandLine(new Pipeline()).setErr(new PrintWriter(out)).execute(args);
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
