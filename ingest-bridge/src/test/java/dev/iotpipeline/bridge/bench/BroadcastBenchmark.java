package dev.iotpipeline.bridge.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.bridge.ingest.auth.Device;
import dev.iotpipeline.bridge.ingest.auth.DeviceRegistry;
import dev.iotpipeline.bridge.ingest.auth.PasswordHash;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroSerializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One broadcast command to N connected devices: an in-process broker and registry, the bridge,
 * N MQTT connections ({@link VertxFleet} in a JVM of its own, QoS 1 subscriptions to their type's
 * broadcasts), then one DEVICE_TYPE command; measures the time from producing it to the
 * last device receiving it, and the JVM heap after GC (bridge and clients together: an upper
 * bound for the bridge). Arguments: devices, commands.rate.per.second.
 */
public final class BroadcastBenchmark {

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        Path dir = Files.createTempDirectory("broadcast-bench-");
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"))).start(Duration.ofSeconds(60));
             SchemaRegistryServer registry = new SchemaRegistryServer(new SchemaRegistryServer.Settings(
                     SchemaRegistryServer.locateRunnerJar(), "127.0.0.1", Ports.freePort("127.0.0.1"), Optional.empty(),
                     dir.resolve("registry.log"))).start(Duration.ofSeconds(60))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.COMMANDS, 3, (short) 1), new NewTopic(Topics.COMMAND_STATUS, 3, (short) 1),
                        new NewTopic(Topics.SHADOW, 3, (short) 1))).all().get();
            }
            DeviceRegistry registryFile = new DeviceRegistry(dir.resolve("devices.json"));
            List<Device> all = new ArrayList<>();
            String hash = PasswordHash.hash("secret", 1_000);
            for (int i = 0; i < devices; i++) {
                all.add(new Device(String.format("fleet-%06d", i), "env-sensor", hash, true));
            }
            writeAll(dir.resolve("devices.json"), all);
            // The whole fleet connects from one address at once: the pre-authentication limits must allow that too.
            IngestBridge bridge = IngestBridge.start(BridgeConfig.of(Map.ofEntries(Map.entry("bootstrap.servers", broker.bootstrapServers()),
                    Map.entry("devices.file", dir.resolve("devices.json").toString()), Map.entry("mqtt.host", "127.0.0.1"),
                    Map.entry("http.host", "127.0.0.1"), Map.entry("mqtt.port", "0"), Map.entry("http.port", "0"),
                    Map.entry("management.port", "0"), Map.entry("max.connections.per.address", Integer.toString(devices + 10)),
                    Map.entry("max.connections", Integer.toString(devices + 10)),
                    Map.entry("max.pending.connections", Integer.toString(devices + 10)),
                    Map.entry("max.pending.connections.per.address", Integer.toString(devices + 10)),
                    Map.entry("schema.registry.url", registry.confluentApiUrl()), Map.entry("commands.rate.per.second", Integer.toString(rate)))));
            long heapBefore = heapAfterGc();
            // The devices run in their own JVM: each process has its own file descriptor limit, and the heap measured here is the bridge's.
            Process fleet = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), VertxFleet.class.getName(), Integer.toString(bridge.mqttPort()),
                    Integer.toString(devices), "subscribe").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            var fleetOut = new java.io.BufferedReader(new java.io.InputStreamReader(fleet.getInputStream()));
            System.out.println(fleetOut.readLine()); // connected
            long heapConnected = heapAfterGc();

            Instant now = Instant.now();
            Command command = Command.newBuilder().setCommandId(UUID.randomUUID().toString()).setTarget(CommandTarget.DEVICE_TYPE)
                    .setDeviceId(null).setDeviceType("env-sensor").setName("reboot").setPayload("{\"delay_s\":30}").setCreatedTime(now)
                    .setExpiresTime(now.plusSeconds(3600)).setMaxRatePerSecond(null).build();
            var serializer = new ConfluentAvroSerializer<Command>(RestSchemaRegistryClient.forUrl(registry.confluentApiUrl()));
            byte[] value = serializer.serialize(Topics.COMMANDS, command);
            long sent;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
                sent = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(Topics.COMMANDS, command.getCommandId(), value)).get();
            }
            long peakHeap = 0;
            while (fleet.isAlive() && !fleetOut.ready()) {
                peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            String[] result = fleetOut.readLine().split(" "); // received <count> <last epoch ms>
            long count = Long.parseLong(result[1]);
            double seconds = (Long.parseLong(result[2]) - sent) / 1e3;
            System.out.printf("broadcast to %,d devices at commands.rate.per.second=%,d: last delivery %.2f s after the command was "
                    + "produced (%,.0f deliveries/s)%s%n", count, rate, seconds, count / seconds, count == devices ? "" : " INCOMPLETE");
            System.out.printf("bridge JVM heap (bridge, in-process broker and registry client) after GC: %,d MiB idle, %,d MiB with "
                    + "%,d devices connected; peak %,d MiB during the broadcast (before GC)%n", heapBefore >> 20, heapConnected >> 20,
                    devices, peakHeap >> 20);
            fleet.destroy();
            fleet.waitFor(30, TimeUnit.SECONDS);
            bridge.close();
        }
    }

    private static void writeAll(Path file, List<Device> devices) throws Exception {
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(file.toFile(), new DeviceRegistry.DevicesFile(devices));
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
