package dev.iotpipeline.bridge.bench;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The benchmarks' device fleet, in a JVM of its own (each process has its own file descriptor
 * limit, and the server's heap and CPU stay the server's): N MQTT 3.1.1 connections from Vert.x
 * MQTT clients on two event loops, devices {@code fleet-000000...} with the password
 * {@code secret}, connected 500 at a time, 10,000 per loopback source address (127.0.0.1, .2, ...:
 * one address has about 28,000 ephemeral ports towards one server port).
 *
 * <p>Arguments: port, devices, then a mode:
 * <ul>
 *   <li>{@code subscribe}: each device subscribes QoS 1 to {@code cmd/env-sensor/broadcast/#};
 *       prints {@code <n> devices connected and subscribed in <s> s}, then, once every device got
 *       a message, {@code received <count> <epoch ms of the last>}.</li>
 *   <li>{@code publish <interval ms> <payload bytes>}: prints {@code connected <ok> <failed> <s>}
 *       and waits for commands on standard input. {@code start}: every device publishes QoS 1 to
 *       {@code dt/env-sensor/<id>/v2} once per interval, their phases spread over it.
 *       {@code window <s>}: prints {@code window <acknowledged> <sent> <closed> <p50 ms> <p99 ms> <max ms>}
 *       for that many seconds, PUBACK latency from the PUBLISH to its PUBACK. {@code pause}: no more
 *       publishing (prints {@code paused}). {@code stop}: every device disconnects, then the fleet exits.</li>
 * </ul>
 */
public final class VertxFleet {

    static final int PER_SOURCE_ADDRESS = 10_000;
    private static final int BATCH = 500;
    /** PUBACK latency buckets of 0.1 ms up to 10 s; the last one holds everything slower. */
    private static final int BUCKETS = 100_000;

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    private final List<Device> devices = new ArrayList<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private final AtomicLong maxMicros = new AtomicLong();
    private volatile AtomicLongArray latency = new AtomicLongArray(BUCKETS);

    /** One connection; its fields are touched on its own event loop only. */
    private static final class Device {
        final String id;
        final MqttClient client;
        final ArrayDeque<Long> unacknowledged = new ArrayDeque<>();
        Context context;
        long timer = -1;

        Device(String id, MqttClient client) {
            this.id = id;
            this.client = client;
        }
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        String mode = args.length > 2 ? args[2] : "subscribe";
        VertxFleet fleet = new VertxFleet();
        if (mode.equals("subscribe")) {
            fleet.subscribers(port, count);
        } else {
            fleet.publishers(port, count, Long.parseLong(args[3]), Integer.parseInt(args[4]));
        }
        System.exit(0);
    }

    private void subscribers(int port, int count) throws Exception {
        CountDownLatch received = new CountDownLatch(count);
        AtomicLong last = new AtomicLong();
        long start = System.nanoTime();
        connect(port, count, (device, connected) -> {
            device.client.publishHandler(message -> {
                last.set(System.currentTimeMillis());
                received.countDown();
            });
            return connected.compose(ack -> device.client.subscribe("cmd/env-sensor/broadcast/#", MqttQoS.AT_LEAST_ONCE.value()));
        });
        System.out.printf("%,d devices connected and subscribed in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
        received.await(10, TimeUnit.MINUTES);
        System.out.println("received " + (count - received.getCount()) + " " + last.get());
    }

    private void publishers(int port, int count, long intervalMillis, int payloadBytes) throws Exception {
        long start = System.nanoTime();
        int failed = connect(port, count, (device, connected) -> {
            device.client.publishCompletionHandler(packetId -> {
                Long sentAt = device.unacknowledged.poll(); // PUBACKs come in PUBLISH order on one connection
                if (sentAt != null) {
                    record(System.nanoTime() - sentAt);
                }
            });
            device.client.closeHandler(v -> closed.incrementAndGet());
            return connected.map(ack -> null);
        });
        System.out.printf("connected %d %d %.1f%n", count - failed, failed, (System.nanoTime() - start) / 1e9);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        byte[] payload = payload(payloadBytes);
        for (String command; (command = commands.readLine()) != null && !command.equals("stop"); ) {
            if (command.equals("start")) {
                start(intervalMillis, Buffer.buffer(payload));
            } else if (command.equals("pause")) {
                pause();
            } else if (command.startsWith("window ")) {
                window(Double.parseDouble(command.substring("window ".length())));
            }
        }
        disconnect();
    }

    private interface Setup {
        Future<?> connected(Device device, Future<?> connect);
    }

    /** Connects every device, BATCH at a time; returns how many failed. */
    private int connect(int port, int count, Setup setup) throws Exception {
        int failed = 0;
        for (int from = 0; from < count; from += BATCH) {
            List<Future<?>> batch = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + BATCH); i++) {
                String id = String.format("fleet-%06d", i);
                MqttClientOptions options = new MqttClientOptions().setClientId(id).setUsername(id).setPassword("secret")
                        .setKeepAliveInterval(300).setMaxInflightQueue(1_000);
                options.setLocalAddress("127.0.0." + (1 + i / PER_SOURCE_ADDRESS));
                Device device = new Device(id, MqttClient.create(vertx, options));
                Future<?> connect = device.client.connect(port, "127.0.0.1").onSuccess(ack -> device.context = Vertx.currentContext());
                batch.add(setup.connected(device, connect).onSuccess(ok -> {
                    synchronized (devices) {
                        devices.add(device);
                    }
                }));
            }
            Future.join(batch).toCompletionStage().toCompletableFuture().handle((ok, error) -> null).get(300, TimeUnit.SECONDS);
            failed += (int) batch.stream().filter(Future::failed).count();
        }
        return failed;
    }

    /** Each device publishes once per interval from its own event loop, the first time at a random point of the first interval. */
    private void start(long intervalMillis, Buffer payload) {
        synchronized (devices) {
            for (Device device : devices) {
                long phase = 1 + ThreadLocalRandom.current().nextLong(intervalMillis);
                String topic = "dt/env-sensor/" + device.id + "/v2";
                device.context.runOnContext(v -> device.timer = vertx.setPeriodic(phase, intervalMillis, timer -> {
                    long now = System.nanoTime();
                    device.unacknowledged.add(now);
                    sent.incrementAndGet();
                    device.client.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false).onFailure(error -> {
                        device.unacknowledged.remove(now);
                        sent.decrementAndGet();
                    });
                }));
            }
        }
    }

    /** Stops publishing; the connections stay, sending only their keep-alives. */
    private void pause() throws Exception {
        List<Future<?>> paused = new ArrayList<>();
        synchronized (devices) {
            for (Device device : devices) {
                Promise<Void> done = Promise.promise();
                device.context.runOnContext(v -> {
                    vertx.cancelTimer(device.timer);
                    done.complete();
                });
                paused.add(done.future());
            }
        }
        Future.join(paused).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        System.out.println("paused");
    }

    /** A clean DISCONNECT from every device, so the server sees devices leaving rather than resets. */
    private void disconnect() throws Exception {
        List<Future<?>> leaving = new ArrayList<>();
        synchronized (devices) {
            for (Device device : devices) {
                device.client.closeHandler(null);
                leaving.add(device.client.disconnect());
            }
        }
        Future.join(leaving).toCompletionStage().toCompletableFuture().handle((ok, error) -> null).get(60, TimeUnit.SECONDS);
    }

    private void window(double seconds) throws InterruptedException {
        latency = new AtomicLongArray(BUCKETS);
        maxMicros.set(0);
        long sent0 = sent.get();
        long acked0 = acknowledged.get();
        long closed0 = closed.get();
        Thread.sleep((long) (seconds * 1000));
        AtomicLongArray counts = latency;
        System.out.printf("window %d %d %d %.1f %.1f %.1f%n", acknowledged.get() - acked0, sent.get() - sent0, closed.get() - closed0,
                percentile(counts, 0.50), percentile(counts, 0.99), maxMicros.get() / 1e3);
    }

    private void record(long nanos) {
        long micros = nanos / 1_000;
        acknowledged.incrementAndGet();
        latency.incrementAndGet((int) Math.min(BUCKETS - 1, micros / 100));
        maxMicros.accumulateAndGet(micros, Math::max);
    }

    /** The latency (ms, upper edge of its 0.1 ms bucket) below which {@code fraction} of the window's PUBACKs came. */
    private static double percentile(AtomicLongArray counts, double fraction) {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (total > 0 && seen >= Math.ceil(total * fraction)) {
                return (i + 1) / 10.0;
            }
        }
        return 0;
    }

    /** A JSON-looking payload of the given size, as a device's reading would be. */
    private static byte[] payload(int bytes) {
        StringBuilder text = new StringBuilder("{\"v\":2,\"readings\":{\"temperature\":{\"value\":21.5,\"unit\":\"C\"}},\"pad\":\"");
        while (text.length() < bytes - 2) {
            text.append('x');
        }
        return text.append("\"}").substring(0, Math.max(2, bytes)).getBytes(StandardCharsets.UTF_8);
    }
}
