package dev.iotpipeline.launcher.bench;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.launcher.simulate.SimulatedDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Simulated devices of every format version publishing distinct readings with QoS 1 over real MQTT
 * (Paho), each with a bounded window of unacknowledged publishes, paced to an offered rate. It
 * records when each reading's PUBACK arrived, keyed {@code device id|event time ms}, as the
 * warehouse and the lake can be queried for it.
 */
final class BenchFleet implements AutoCloseable {

    /** One paced run: what was offered and when. */
    record Step(double offeredRate, long startMs, long endMs, long sent, long stalls) {
    }

    private static final int WINDOW = 20;
    private static final int PBKDF2_ITERATIONS = 1_000;

    private final List<SimulatedDevice> devices = new ArrayList<>();
    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final AtomicInteger[] inflight;
    private final long[] sequence;
    /** Readings of each device are one second apart, ending about now, so the lake sees current hours. */
    private final Instant firstEventTime;
    /** PUBACK time (epoch ms) of every acknowledged reading. */
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    final AtomicLong failed = new AtomicLong();

    BenchFleet(Path devicesFile, String prefix, int perFormat, long readingsPerDevice) throws Exception {
        DeviceProvisioning registry = new DeviceProvisioning(devicesFile);
        for (String format : SimulatedDevice.FORMATS) {
            for (int d = 0; d < perFormat; d++) {
                String id = prefix + "-" + format.replace('/', '-') + "-" + d;
                SimulatedDevice device = new SimulatedDevice(id, format, "secret-" + id, id.hashCode());
                registry.put(id, device.deviceType(), device.secret(), PBKDF2_ITERATIONS);
                devices.add(device);
            }
        }
        inflight = new AtomicInteger[devices.size()];
        for (int i = 0; i < inflight.length; i++) {
            inflight[i] = new AtomicInteger();
        }
        sequence = new long[devices.size()];
        firstEventTime = Instant.now().minusSeconds(readingsPerDevice).truncatedTo(ChronoUnit.SECONDS);
    }

    int size() {
        return devices.size();
    }

    void connect(int mqttPort) throws MqttException {
        for (SimulatedDevice device : devices) {
            MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + mqttPort, device.id(), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setUserName(device.id());
            options.setPassword(device.secret().toCharArray());
            options.setMaxInflight(WINDOW);
            options.setConnectionTimeout(60);
            options.setKeepAliveInterval(60);
            client.connect(options).waitForCompletion(120_000);
            clients.add(client);
        }
    }

    /**
     * Publishes at {@code rate} readings/s (0: as fast as the windows allow) for {@code duration},
     * then waits for the outstanding acknowledgements.
     */
    Step run(double rate, Duration duration) {
        long startNanos = System.nanoTime();
        long startMs = System.currentTimeMillis();
        long sent = 0;
        long stalls = 0;
        int next = 0;
        while (System.nanoTime() - startNanos < duration.toNanos()) {
            long due = rate <= 0 ? Long.MAX_VALUE : (long) (rate * (System.nanoTime() - startNanos) / 1e9);
            int full = 0;
            while (sent < due && full < devices.size()) {
                if (publish(next)) {
                    sent++;
                    full = 0;
                } else {
                    full++;
                }
                next = (next + 1) % devices.size();
            }
            if (full >= devices.size() && rate > 0) {
                stalls++; // every window is full: the offered rate is more than the pipeline acknowledges
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(rate <= 0 ? 200 : 1_000));
        }
        long endMs = System.currentTimeMillis();
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (outstanding() > 0 && System.nanoTime() < settle) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return new Step(rate, startMs, endMs, sent, stalls);
    }

    /** Acknowledgements per second between {@code fromMs} and {@code toMs}. */
    double ackRate(long fromMs, long toMs) {
        long count = acknowledged.values().stream().filter(t -> t >= fromMs && t < toMs).count();
        return count * 1000.0 / Math.max(1, toMs - fromMs);
    }

    private int outstanding() {
        int total = 0;
        for (AtomicInteger window : inflight) {
            total += window.get();
        }
        return total;
    }

    private boolean publish(int index) {
        if (inflight[index].get() >= WINDOW) {
            return false;
        }
        SimulatedDevice device = devices.get(index);
        Instant eventTime = firstEventTime.plusSeconds(sequence[index]++);
        String key = device.id() + "|" + eventTime.toEpochMilli();
        inflight[index].incrementAndGet();
        try {
            clients.get(index).publish(device.mqttTopic(), device.nextReading(eventTime), 1, false, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    acknowledged.put(key, System.currentTimeMillis());
                    inflight[index].decrementAndGet();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    failed.incrementAndGet();
                    inflight[index].decrementAndGet();
                }
            });
            return true;
        } catch (MqttException e) {
            failed.incrementAndGet();
            inflight[index].decrementAndGet();
            return false;
        }
    }

    @Override
    public void close() {
        for (MqttAsyncClient client : clients) {
            try {
                client.disconnectForcibly(1_000, 1_000);
                client.close(true);
            } catch (MqttException ignored) {
                // already gone
            }
        }
        clients.clear();
    }
}
