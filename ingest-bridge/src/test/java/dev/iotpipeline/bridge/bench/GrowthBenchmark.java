package dev.iotpipeline.bridge.bench;

import dev.iotpipeline.bridge.BridgeConfig;
import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.bridge.IngestBridge;
import dev.iotpipeline.embedded.KraftBroker;
import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.schemas.contract.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Connected devices at growing fleet sizes, the bridge against Mosquitto in the same run. For each
 * N: the bridge in a JVM of its own (so its heap and CPU are its own) in front of an in-process
 * Kafka broker (in this JVM: its CPU is not the bridge's), then Mosquitto (QoS 1, no persistence)
 * as the baseline, each loaded by the same {@link VertxFleet} in a third process: N devices
 * connect, then each publishes QoS 1 once per interval. After a warm-up window, a measured one:
 * messages acknowledged per second, PUBACK p50/p99, the server's CPU seconds (utime + stime of
 * its process, from {@code /proc/<pid>/stat}) per acknowledged message, and memory per
 * connection (the bridge's heap after a GC in its own process, connected minus idle; the resident
 * set of both). Bounded: a fixed window per run.
 *
 * <p>Arguments: device counts (comma separated, default 1000,10000,50000), interval between one
 * device's messages in ms (10000), payload bytes (100), warm-up s (10), measured s (20). More than
 * 10,000 devices use more loopback source addresses (127.0.0.2, ...) and need a file descriptor
 * limit above N in this shell ({@code ulimit -n}): the bridge and the fleet each hold N sockets.
 */
public final class GrowthBenchmark {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final long CLOCK_TICKS = clockTicks();
    private static final double IDLE_SECONDS = 5;
    /** Jars, Kafka's sockets, epoll and pipes of a JVM here, measured: about 150 for the bridge; with room to spare. */
    private static final int FILES_BESIDES_SOCKETS = 500;

    public static void main(String[] args) throws Exception {
        int[] counts = Arrays.stream((args.length > 0 ? args[0] : "1000,10000,50000").split(",")).mapToInt(Integer::parseInt).toArray();
        long intervalMillis = args.length > 1 ? Long.parseLong(args[1]) : 10_000;
        int payload = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        double warmup = args.length > 3 ? Double.parseDouble(args[3]) : 10;
        double measured = args.length > 4 ? Double.parseDouble(args[4]) : 20;
        int largest = Arrays.stream(counts).max().orElseThrow();
        Path dir = Files.createTempDirectory("growth-bench-");
        System.out.printf("Growth: N devices each publishing QoS 1 (MQTT 3.1.1, %d-byte payload) once every %.1f s; warm-up %.0f s, "
                + "measured %.0f s. Bridge and Mosquitto each in a process of their own, the fleet (Vert.x MQTT clients) in another, "
                + "the Kafka broker in this one; %d cores, load average %.1f at the start%n", payload, intervalMillis / 1e3, warmup,
                measured, Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        try (KraftBroker broker = new KraftBroker(KraftBroker.Settings.of(dir.resolve("kafka"), Ports.freePort("127.0.0.1"),
                Ports.freePort("127.0.0.1"))).start(Duration.ofSeconds(60))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.RAW_ENV_SENSOR, 3, (short) 1))).all().get();
            }
            long provisioning = System.nanoTime();
            List<DeviceProvisioning.NewDevice> fleet = new ArrayList<>();
            for (int i = 0; i < largest; i++) {
                fleet.add(new DeviceProvisioning.NewDevice(String.format("fleet-%06d", i), "env-sensor", "secret"));
            }
            // Few PBKDF2 iterations: the benchmark measures sessions, not the first connection's hash (AttackBenchmark does).
            new DeviceProvisioning(dir.resolve("devices.json")).putAll(fleet, 1_000);
            System.out.printf("%,d devices provisioned with one registry write in %.1f s%n", largest, (System.nanoTime() - provisioning) / 1e9);
            long fileLimit = openFileLimit();
            try (BridgeProcess bridgeServer = BridgeProcess.start(dir, broker.bootstrapServers(), largest);
                 MosquittoProcess mosquittoServer = MosquittoProcess.start(dir)) {
                // One process of each for the whole run, warmed up first: a fresh JVM at 100 msg/s would be measuring its JIT compiler.
                int warmDevices = Math.min(1_000, largest);
                warmUp(bridgeServer, warmDevices, payload);
                warmUp(mosquittoServer, warmDevices, payload);
                for (int n : counts) {
                if (n + FILES_BESIDES_SOCKETS > fileLimit) {
                    System.out.printf("N=%,d skipped: the open-file limit of each process here is %,d (ulimit -n), and the bridge and "
                            + "the fleet each hold one socket per device besides about %d other files; raise it with ulimit -n where the "
                            + "hard limit allows (root needs CAP_SYS_RESOURCE to raise the hard limit)%n%n", n, fileLimit, FILES_BESIDES_SOCKETS);
                    continue;
                }
                Result bridge = run(bridgeServer, n, intervalMillis, payload, warmup, measured);
                Result mosquitto = run(mosquittoServer, n, intervalMillis, payload, warmup, measured);
                System.out.printf("N=%,d bridge / mosquitto: CPU per message %.1fx (above idle %.1fx), msg/s %.2fx, PUBACK p99 %.1fx%n%n",
                        n, bridge.cpuPerMessage() / mosquitto.cpuPerMessage(),
                        bridge.cpuAboveIdlePerMessage() / Math.max(1e-9, mosquitto.cpuAboveIdlePerMessage()),
                        bridge.perSecond / mosquitto.perSecond, bridge.p99 / mosquitto.p99);
                }
            }
        }
    }

    /** Not measured: 1,000 devices publishing 10 messages a second each for 15 s, so the JIT has compiled the bridge's paths. */
    private static void warmUp(Server server, int devices, int payload) throws Exception {
        Process process = fleet(server, devices, 100, payload);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintStream in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8)) {
            out.readLine();
            in.println("start");
            in.println("window 15");
            String[] window = out.readLine().split(" ");
            in.println("stop");
            System.out.printf("warm-up (not counted), %s: %,d devices x 10 msg/s for 15 s, %,.0f msg/s acknowledged%n", server.name(),
                    devices, Long.parseLong(window[1]) / 15.0);
        } finally {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static Process fleet(Server server, int n, long intervalMillis, int payload) throws IOException {
        return new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"), VertxFleet.class.getName(),
                Integer.toString(server.port()), Integer.toString(n), "publish", Long.toString(intervalMillis), Integer.toString(payload))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** A server process under test: its MQTT port, its pid, and its heap after GC where it has one. */
    abstract static class Server implements AutoCloseable {
        final Process process;
        private final int port;

        Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        abstract String name();

        int port() {
            return port;
        }

        long pid() {
            return process.pid();
        }

        /** Heap in use after a full GC, in bytes; -1 for a server without one. */
        long heapAfterGc() throws Exception {
            return -1;
        }

        /** Asks the process to stop (a command, a SIGTERM), waits for it, and kills it if it does not stop in time. */
        abstract void askToStop();

        @Override
        public void close() {
            askToStop();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    record Result(long acknowledged, long sent, long closed, double seconds, double perSecond, double p50, double p99, double max,
                  double cpuSeconds, double idleCpuPerSecond) {
        double cpuPerMessage() {
            return cpuSeconds / Math.max(1, acknowledged);
        }

        double cpuAboveIdlePerMessage() {
            return Math.max(0, cpuSeconds - idleCpuPerSecond * seconds) / Math.max(1, acknowledged);
        }
    }

    private static Result run(Server server, int n, long intervalMillis, int payload, double warmup, double measured) throws Exception {
        long heapIdle = server.heapAfterGc();
        long rssIdle = rss(server.pid());
        Process process = fleet(server, n, intervalMillis, payload);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintStream in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String[] connected = out.readLine().split(" "); // connected <ok> <failed> <s>
            long heapConnected = server.heapAfterGc();
            long rssConnected = rss(server.pid());
            long openFiles = openFiles(server.pid());
            in.println("start");
            in.println("window " + warmup);
            out.readLine();
            long cpu0 = cpuTicks(server.pid());
            in.println("window " + measured);
            String[] window = out.readLine().split(" "); // window <acked> <sent> <closed> <p50> <p99> <max>
            long cpu1 = cpuTicks(server.pid());
            // The same connections without messages, for what the server spends on them alone (keep-alives, timers, its own threads).
            in.println("pause");
            out.readLine();
            Thread.sleep(1_000);
            long idle0 = cpuTicks(server.pid());
            Thread.sleep((long) (IDLE_SECONDS * 1000));
            double idlePerSecond = (cpuTicks(server.pid()) - idle0) / (double) CLOCK_TICKS / IDLE_SECONDS;
            in.println("stop");
            Result result = new Result(Long.parseLong(window[1]), Long.parseLong(window[2]), Long.parseLong(window[3]), measured,
                    Long.parseLong(window[1]) / measured, Double.parseDouble(window[4]), Double.parseDouble(window[5]),
                    Double.parseDouble(window[6]), (cpu1 - cpu0) / (double) CLOCK_TICKS, idlePerSecond);
            String heap = heapIdle < 0 ? "" : String.format("heap after GC %.1f MiB idle, %.1f MiB connected: %.1f KiB per connection; ",
                    heapIdle / 1048576.0, heapConnected / 1048576.0, (heapConnected - heapIdle) / 1024.0 / n);
            System.out.printf("N=%,d %-9s %s of %,d connected in %s s (%,d open files); %sRSS %,d -> %,d MiB (%.1f KiB per connection); %,.0f msg/s "
                            + "acknowledged (%,d of %,d sent, %d connections lost); PUBACK p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                            + "CPU %.2f s = %.1f us per message (idle with the same connections: %.3f CPU s/s; above idle: %.1f us per "
                            + "message)%n", n, server.name(), connected[1], n, connected[3], openFiles, heap, rssIdle >> 20,
                    rssConnected >> 20, (rssConnected - rssIdle) / 1024.0 / n, result.perSecond, result.acknowledged, result.sent,
                    result.closed, result.p50, result.p99, result.max, result.cpuSeconds, result.cpuPerMessage() * 1e6,
                    result.idleCpuPerSecond, result.cpuAboveIdlePerMessage() * 1e6);
            return result;
        } finally {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields[0] is field 3, the state
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** File descriptors a process holds (sockets, jars, epoll, pipes). */
    static long openFiles(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    /** The soft limit of open files of this process (its children inherit it). */
    static long openFileLimit() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                .map(l -> l.substring("Max open files".length()).strip().split("\\s+")[0])
                .mapToLong(v -> v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v)).findFirst().orElse(Long.MAX_VALUE);
    }

    /** Resident set size of a process, in bytes. */
    static long rss(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(-1);
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
            return Long.parseLong(new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return 100;
        }
    }

    private static void awaitPort(int port, Process process, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue());
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException(name + " did not listen on " + port);
    }

    /** The bridge in a child JVM ({@link BridgeNode}), with limits that let the whole fleet in from few addresses. */
    static final class BridgeProcess extends Server {
        private final PrintStream commands;
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

        private BridgeProcess(Process process, int port) {
            super(process, port);
            this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        if (line.startsWith("bench ")) {
                            answers.add(line.substring("bench ".length()));
                        } else if (line.contains(" WARN ") || line.contains(" ERROR ")) {
                            System.err.println("[bridge] " + line);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "bridge-output");
            reader.setDaemon(true);
            reader.start();
        }

        static BridgeProcess start(Path dir, String bootstrapServers, int devices) throws Exception {
            int port = Ports.freePort("127.0.0.1");
            String limit = Integer.toString(devices + 1_000);
            List<String> config = List.of("bootstrap.servers=" + bootstrapServers, "instance.id=growth-bench",
                    "devices.file=" + dir.resolve("devices.json"), "mqtt.host=127.0.0.1", "mqtt.port=" + port, "http.host=127.0.0.1",
                    "http.port=0", "management.port=-1", "max.connections=" + limit, "max.connections.per.address=" + limit,
                    "max.pending.connections=" + limit, "max.pending.connections.per.address=" + limit);
            Path properties = Files.write(dir.resolve("bridge.properties"), config);
            List<String> command = new ArrayList<>(List.of(JAVA, "-Dlogback.configurationFile=ingest-bridge-logback.xml"));
            // e.g. -Dbridge.jvm.options=-XX:StartFlightRecording=filename=bridge.jfr,settings=profile to profile the bridge alone
            String options = System.getProperty("bridge.jvm.options", "").strip();
            if (!options.isEmpty()) {
                command.addAll(List.of(options.split("\\s+")));
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), BridgeNode.class.getName(), properties.toString()));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BridgeProcess bridge = new BridgeProcess(process, port);
            String ready = bridge.answers.poll(120, TimeUnit.SECONDS);
            if (!"ready".equals(ready)) {
                bridge.close();
                throw new IllegalStateException("the bridge did not start: " + ready);
            }
            return bridge;
        }

        @Override
        String name() {
            return "bridge";
        }

        @Override
        long heapAfterGc() throws Exception {
            commands.println("heap");
            return Long.parseLong(answers.poll(60, TimeUnit.SECONDS));
        }

        @Override
        void askToStop() {
            commands.println("stop");
        }
    }

    /** The bridge's side of {@link BridgeProcess}: starts it, answers {@code heap} (after a full GC) and {@code stop}. */
    public static final class BridgeNode {
        public static void main(String[] args) throws Exception {
            IngestBridge bridge = IngestBridge.start(BridgeConfig.load(Path.of(args[0]), Map.of(), Map.of()));
            System.out.println("bench ready");
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String command; (command = commands.readLine()) != null && !command.equals("stop"); ) {
                if (command.equals("heap")) {
                    System.gc();
                    System.gc();
                    System.out.println("bench " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
            }
            bridge.close();
            System.exit(0);
        }
    }

    /** Mosquitto (Debian package {@code mosquitto}) on 127.0.0.1: QoS 1, no persistence, anyone may connect; stopped by its pid. */
    static final class MosquittoProcess extends Server {

        private MosquittoProcess(Process process, int port) {
            super(process, port);
        }

        static MosquittoProcess start(Path dir) throws Exception {
            int port = Ports.freePort("127.0.0.1");
            Path config = Files.write(dir.resolve("mosquitto.conf"), List.of("listener " + port + " 127.0.0.1", "allow_anonymous true",
                    "persistence false", "connection_messages false", "log_dest stderr", "log_type error", "log_type warning"));
            Process process = new ProcessBuilder("mosquitto", "-c", config.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
            awaitPort(port, process, "mosquitto");
            return new MosquittoProcess(process, port);
        }

        @Override
        String name() {
            return "mosquitto";
        }

        @Override
        void askToStop() {
            process.destroy(); // SIGTERM to this pid
        }
    }
}
