package dev.iotpipeline.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The single-node broker as a process of its own, for fault tests that must signal the broker
 * alone (SIGKILL, SIGSTOP) while everything else keeps running:
 * {@code java -cp ... KraftBrokerMain DATA_DIR PORT CONTROLLER_PORT [--node-id=N --cluster-id=ID
 * --voters=1@host:port,...] [key=value ...]}; the three options make it one voter of a multi-node
 * cluster. Prints
 * {@value #READY} and the bootstrap servers once it serves clients; SIGTERM stops it cleanly.
 */
public final class KraftBrokerMain {

    public static final String READY = "BROKER READY ";

    private KraftBrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 3) {
            System.err.println("usage: KraftBrokerMain DATA_DIR PORT CONTROLLER_PORT [key=value ...]");
            System.exit(2);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            (pair[0].startsWith("--") ? options : overrides).put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        KraftBroker.Settings settings = KraftBroker.Settings.of(Path.of(args[0]), Integer.parseInt(args[1]),
                Integer.parseInt(args[2])).withOverrides(overrides);
        if (options.containsKey("--voters")) {
            settings = settings.withQuorum(new KraftBroker.Quorum(Integer.parseInt(options.get("--node-id")),
                    options.get("--cluster-id"), options.get("--voters")));
        }
        KraftBroker broker = new KraftBroker(settings).start(Duration.ofSeconds(120));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-stop"));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
