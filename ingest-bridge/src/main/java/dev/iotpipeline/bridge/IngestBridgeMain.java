package dev.iotpipeline.bridge;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * Runs the bridge alone against an external Kafka: {@code java -jar ingest-bridge.jar [config.properties]};
 * {@code java -jar ingest-bridge.jar devices add|disable|list ...} provisions devices.
 */
public final class IngestBridgeMain {

    private IngestBridgeMain() {
    }

    /** The standalone bridge's logging (INFO; Kafka's clients at WARN), unless the command line names another file. */
    static final String LOGGING = "ingest-bridge-logback.xml";

    public static void main(String[] args) throws InterruptedException {
        // Before the first logger: a jar has no logback.xml of its own (the launcher, which embeds the bridge, has one).
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGGING);
        }
        if (args.length > 0 && args[0].equals("devices")) {
            System.exit(new CommandLine(new DevicesCommand()).execute(Arrays.copyOfRange(args, 1, args.length)));
        }
        Path file = args.length > 0 ? Path.of(args[0]) : null;
        IngestBridge bridge = IngestBridge.start(BridgeConfig.load(file, System.getenv(), Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            stopped.countDown();
        }, "bridge-stop"));
        stopped.await();
    }
}
