package dev.iotpipeline.launcher;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.bridge.DevicesCommand;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./pipeline simulate}: provisions simulated devices of every format version, then publishes
 * realistic readings over real MQTT (QoS 1) and HTTP at a given rate, for a given time or count,
 * with optional shares of QoS 1-style duplicates and bad payloads, and prints what it sent.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Publishes readings from simulated devices of every format version over MQTT and HTTP.",
        footer = {"", "Examples:", "  ./pipeline simulate --devices 5 --rate 50 --count 1000",
            "  ./pipeline simulate --duration 60 --duplicates 0.05 --bad 0.02 --data-dir /srv/iot-data"})
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--devices", defaultValue = "2", description = "Devices per format version (default ${DEFAULT-VALUE}).")
    int devicesPerFormat;

    @Option(names = "--rate", defaultValue = "10", description = "Messages per second in total (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--count", defaultValue = "100", description = "Messages to send; 0 = until --duration ends (default ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", defaultValue = "0", description = "Seconds to run; 0 = until --count is sent (default ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--duplicates", defaultValue = "0", description = "Share of readings sent twice, as a QoS 1 redelivery would (0..1).")
    double duplicates;

    @Option(names = "--bad", defaultValue = "0", description = "Share of bad payloads (corrupt, impossible values) (0..1).")
    double bad;

    @Option(names = "--http-share", defaultValue = "0.2", description = "Share of devices that post over HTTP instead of MQTT (default ${DEFAULT-VALUE}).")
    double httpShare;

    @Option(names = "--mqtt", defaultValue = "${env:IOT_MQTT_URL:-tcp://127.0.0.1:1883}", description = "MQTT server (default ${DEFAULT-VALUE}).")
    String mqttUrl;

    @Option(names = "--http", defaultValue = "${env:IOT_HTTP_URL:-http://127.0.0.1:8080}", description = "HTTP ingest base URL (default ${DEFAULT-VALUE}).")
    String httpUrl;

    @Mixin
    DevicesCommand.DevicesFile registry = new DevicesCommand.DevicesFile();

    @Option(names = "--seed", defaultValue = "1", description = "Random seed: the same seed sends the same readings.")
    long seed;

    private final Map<String, Long> sent = new TreeMap<>();

    @Override
    public Integer call() throws Exception {
        if (count <= 0 && durationSeconds <= 0) {
            System.err.println("ERROR: give --count or --duration");
            return 2;
        }
        List<SimulatedDevice> devices = provision();
        Random random = new Random(seed);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<MqttClient> mqtt = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            mqtt.add(overHttp(i) ? null : connect(devices.get(i)));
        }
        long deadline = durationSeconds > 0 ? System.nanoTime() + Duration.ofSeconds(durationSeconds).toNanos() : Long.MAX_VALUE;
        long intervalNanos = (long) (1e9 / rate);
        long next = System.nanoTime();
        long messages = 0;
        Instant[] lastEvent = new Instant[devices.size()];
        while ((count <= 0 || messages < count) && System.nanoTime() < deadline) {
            int index = (int) (messages % devices.size());
            SimulatedDevice device = devices.get(index);
            // Formats with second precision derive the message id from the event time: one reading per device per second.
            Instant now = Instant.now();
            if (lastEvent[index] != null && now.getEpochSecond() <= lastEvent[index].getEpochSecond()) {
                now = lastEvent[index].plusSeconds(1);
            }
            lastEvent[index] = now;
            boolean isBad = random.nextDouble() < bad;
            byte[] payload = isBad ? device.badReading(now) : device.nextReading(now);
            int copies = !isBad && random.nextDouble() < duplicates ? 2 : 1;
            for (int copy = 0; copy < copies; copy++) {
                send(device, mqtt.get(index), http, payload);
                count(device, isBad ? "bad" : copy == 0 ? "readings" : "duplicates");
            }
            messages++;
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
        for (MqttClient client : mqtt) {
            if (client != null) {
                client.disconnect();
                client.close();
            }
        }
        System.out.println("Sent (acknowledged by the bridge):");
        sent.forEach((key, value) -> System.out.printf("  %-40s %,d%n", key, value));
        return 0;
    }

    private boolean overHttp(int index) {
        return (index % 10) < Math.round(httpShare * 10);
    }

    private List<SimulatedDevice> provision() throws Exception {
        DeviceProvisioning provisioning = new DeviceProvisioning(registry.path());
        List<SimulatedDevice> devices = new ArrayList<>();
        for (String format : SimulatedDevice.FORMATS) {
            for (int i = 1; i <= devicesPerFormat; i++) {
                String id = "sim-" + format.replace('/', '-') + "-" + i;
                String secret = "sim-secret-" + id;
                SimulatedDevice device = new SimulatedDevice(id, format, secret, seed * 31 + id.hashCode());
                devices.add(device);
                provisioning.ensure(id, device.deviceType(), secret);
            }
        }
        System.out.printf("Provisioned %d simulated devices (%d per format version) in %s%n", devices.size(), devicesPerFormat, registry.path());
        return devices;
    }

    private MqttClient connect(SimulatedDevice device) throws MqttException {
        MqttClient client = new MqttClient(mqttUrl, device.id(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(device.id());
        options.setPassword(device.secret().toCharArray());
        options.setAutomaticReconnect(true);
        options.setCleanSession(true);
        client.setTimeToWait(30_000);
        client.connect(options);
        return client;
    }

    private void send(SimulatedDevice device, MqttClient mqtt, HttpClient http, byte[] payload) throws Exception {
        if (mqtt != null) {
            mqtt.publish(device.mqttTopic(), payload, 1, false);
            return;
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(httpUrl + device.httpPath()))
                .header("Authorization", "Bearer " + device.secret())
                .header("Content-Type", device.version().equals("v3") ? "application/octet-stream"
                        : device.deviceType().equals("gps-tracker") && device.version().equals("v1") ? "text/plain" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + " from the bridge for " + device.id() + ": " + response.body());
        }
    }

    private void count(SimulatedDevice device, String kind) {
        sent.merge(device.deviceType() + "/" + device.version() + " " + kind, 1L, Long::sum);
    }
}
