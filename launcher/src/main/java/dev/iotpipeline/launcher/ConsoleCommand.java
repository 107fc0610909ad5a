package dev.iotpipeline.launcher;

import dev.iotpipeline.bridge.DevicesCommand;
import dev.iotpipeline.launcher.console.ConsoleServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./pipeline console}: the web console on its own, against a deployed pipeline (the chart
 * runs it so) or a running {@code ./pipeline up} (which already serves it). With a login it asks
 * every browser for it (HTTP Basic); without one it serves only 127.0.0.1.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Serves the web console (flow, dead letters, devices, map, readings) for a running or deployed pipeline.",
        footer = {"", "Examples:", "  ./pipeline console --port 8089    # beside a running ./pipeline up, on another port",
            "  IOT_CONSOLE_PASSWORD=... ./pipeline console --host 0.0.0.0 --login-user admin \\",
            "      --kafka kafka:9092 --registry http://registry:8081/apis/ccompat/v6 --prometheus-url http://prometheus:9090 \\",
            "      --warehouse-url jdbc:postgresql://warehouse:5432/iot --devices-file /etc/iot/devices.json"})
final class ConsoleCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "${env:IOT_CONSOLE_HOST:-127.0.0.1}",
            description = "Address to listen on (env IOT_CONSOLE_HOST, default ${DEFAULT-VALUE}); another than 127.0.0.1 needs a login.")
    String host;

    @Option(names = "--port", defaultValue = "${env:IOT_CONSOLE_PORT:-8088}", description = "Port (env IOT_CONSOLE_PORT, default ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    DevicesCommand.DevicesFile file = new DevicesCommand.DevicesFile();

    @Mixin
    KafkaOptions kafka;

    @Mixin
    WarehouseOptions warehouseOptions = new WarehouseOptions();

    @Option(names = "--metrics-url", defaultValue = "${env:IOT_METRICS_URL:-http://127.0.0.1:9464/metrics}",
            description = "Every component's metrics in one Prometheus text (./pipeline up's; env IOT_METRICS_URL, default ${DEFAULT-VALUE}).")
    URI metricsUrl;

    @Option(names = "--prometheus-url", defaultValue = "${env:IOT_PROMETHEUS_URL:-}",
            description = "A Prometheus server that scrapes every component, e.g. http://prometheus:9090; used instead of --metrics-url"
                    + " (env IOT_PROMETHEUS_URL).")
    String prometheusUrl;

    @Option(names = "--login-user", defaultValue = "${env:IOT_CONSOLE_USER:-}",
            description = "The user browsers log in as (env IOT_CONSOLE_USER); its password from env IOT_CONSOLE_PASSWORD or --login-password-file.")
    String loginUser;

    @Option(names = "--login-password-file", description = "A file holding the login's password (e.g. a mounted Secret).")
    Path loginPasswordFile;

    @Option(names = "--sink-dead-letter-topics", split = ",", paramLabel = "TOPIC",
            defaultValue = "${env:IOT_CONSOLE_SINK_DEAD_LETTER_TOPICS:-iot.deadletter.warehouse,iot.deadletter.lake}",
            description = "The sinks' dead-letter topics, shown beside the streams app's (env IOT_CONSOLE_SINK_DEAD_LETTER_TOPICS,"
                    + " default ${DEFAULT-VALUE}).")
    List<String> sinkDeadLetterTopics;

    @Option(names = "--map-tiles", defaultValue = "${env:IOT_CONSOLE_MAP_TILES:-}", paramLabel = "URL",
            description = "A map tile URL template for the map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (env IOT_CONSOLE_MAP_TILES);"
                    + " default: the bundled coastlines.")
    String mapTiles;

    @Override
    public Integer call() throws InterruptedException {
        ConsoleServer.Login login;
        try {
            login = login();
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 2;
        }
        if (login == null && !host.equals("127.0.0.1") && !host.equals("localhost")) {
            System.err.println("ERROR: listening on " + host + " needs a login: --login-user and IOT_CONSOLE_PASSWORD or --login-password-file");
            return 2;
        }
        boolean prometheus = !prometheusUrl.isBlank();
        ConsoleServer console;
        try {
            console = ConsoleServer.start(host, port, new ConsoleServer.Sources(kafka.bootstrapServers, kafka.registryUrl, warehouseOptions.url,
                    warehouseOptions.user, warehouseOptions.password, file.path(), prometheus ? null : metricsUrl,
                    prometheus ? URI.create(prometheusUrl.strip()) : null, mapTiles.isBlank() ? null : mapTiles.strip(), login,
                    sinkDeadLetterTopics.stream().map(String::strip).filter(t -> !t.isEmpty()).toList()));
        } catch (RuntimeException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.close();
            stopped.countDown();
        }, "console-stop"));
        System.out.printf("Web console on http://%s:%d/%s (metrics from %s)%n", host, console.port(),
                login == null ? "" : "  (login: " + login.user() + ")", prometheus ? prometheusUrl : metricsUrl);
        stopped.await();
        return 0;
    }

    private ConsoleServer.Login login() throws IOException {
        if (loginUser.isBlank()) {
            return null;
        }
        String password = loginPasswordFile != null ? Files.readString(loginPasswordFile, StandardCharsets.UTF_8).strip()
                : System.getenv().getOrDefault("IOT_CONSOLE_PASSWORD", "");
        if (password.length() < 12) {
            throw new IllegalArgumentException("the console's login password (IOT_CONSOLE_PASSWORD or --login-password-file) must have"
                    + " 12 characters or more");
        }
        if (loginUser.contains(":")) {
            throw new IllegalArgumentException("--login-user cannot contain ':'");
        }
        return new ConsoleServer.Login(loginUser.strip(), password);
    }
}
