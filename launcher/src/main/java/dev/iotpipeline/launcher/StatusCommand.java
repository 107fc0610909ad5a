package dev.iotpipeline.launcher;

import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./pipeline status}: what has flowed through each stage of a running pipeline, read from
 * the components' own metrics endpoints, the warehouse and the lake directory.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows what has flowed through each stage of a running './pipeline up'.",
        footer = {"", "Examples:", "  ./pipeline status", "  ./pipeline status --data-dir /srv/iot-data --postgres-port 5433"})
final class StatusCommand implements Callable<Integer> {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Option(names = "--data-dir", defaultValue = "${env:IOT_DATA_DIR:-data}",
            description = "Data directory of the pipeline (env IOT_DATA_DIR, default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--streams-http-port", defaultValue = "${env:IOT_STREAMS_HTTP_PORT:-8091}",
            description = "Streams app metrics port (env IOT_STREAMS_HTTP_PORT, default ${DEFAULT-VALUE}).")
    int streamsHttpPort;

    @Option(names = "--bridge-management-port", defaultValue = "${env:IOT_BRIDGE_MANAGEMENT_PORT:-8090}",
            description = "Ingest bridge health and metrics port (env IOT_BRIDGE_MANAGEMENT_PORT, default ${DEFAULT-VALUE}).")
    int bridgeManagementPort;

    @Option(names = "--metrics-port", defaultValue = "${env:IOT_METRICS_PORT:-9464}",
            description = "The pipeline's metrics of every component, for the sinks' (env IOT_METRICS_PORT, default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--postgres-port", defaultValue = "${env:IOT_POSTGRES_PORT:-5432}",
            description = "Warehouse PostgreSQL port (env IOT_POSTGRES_PORT, default ${DEFAULT-VALUE}).")
    int postgresPort;

    @Override
    public Integer call() {
        boolean reachable = section("Ingest bridge (MQTT, HTTP):", bridgeManagementPort, metrics -> {
            print("messages accepted", metrics, "iot_bridge_messages_accepted_total", "protocol");
            print("refused", metrics, "iot_bridge_messages_refused_total", "reason");
            print("MQTT connections now", metrics, "iot_bridge_mqtt_connections", "none");
        });
        reachable &= section("Streams app (convert, deduplicate, batch):", streamsHttpPort, metrics -> {
            print("raw messages read", metrics, "iot_streams_raw_records_total", "source_format");
            print("canonical records written", metrics, "iot_streams_canonical_records_total", "family");
            print("dead letters", metrics, "iot_streams_deadletters_total", "reason");
            print("duplicates dropped", metrics, "iot_streams_duplicates_total", "family");
            print("batches", metrics, "iot_streams_batches_total", "family");
        });
        reachable &= section("Sinks (warehouse, lake):", metricsPort, metrics -> {
            print("rows stored", metrics, "iot_sink_rows_stored_total", "connector");
            print("dead letters", metrics, "iot_sink_dead_lettered_readings_by_reason_total", "reason");
            print("retries", metrics, "iot_sink_retries_total", "connector");
        });
        System.out.println("Warehouse (PostgreSQL):");
        String url = "jdbc:postgresql://" + EmbeddedSettings.HOST + ":" + postgresPort + "/" + PostgresServer.NAME;
        try (Connection sql = DriverManager.getConnection(url, PostgresServer.USER, PostgresServer.PASSWORD)) {
            for (MeasurementFamily family : MeasurementFamily.values()) {
                System.out.printf("  %-28s %s%n", "iot." + family.tableName() + " rows", count(sql, "iot." + family.tableName()));
            }
        } catch (SQLException e) {
            System.out.println("  not reachable (" + e.getMessage() + ")");
            reachable = false;
        }
        System.out.println("Lake (Parquet):");
        for (MeasurementFamily family : MeasurementFamily.values()) {
            System.out.printf("  %-28s %d%n", family.lakeDirectory() + " files", parquetFiles(dataDir.resolve("lake")
                    .resolve(family.lakeDirectory())));
        }
        return reachable ? 0 : 1;
    }

    /** Prints a component's metrics under a heading; false when its endpoint does not answer. */
    private static boolean section(String heading, int port, java.util.function.Consumer<Map<String, Double>> show) {
        System.out.println(heading);
        try {
            show.accept(scrape("http://" + EmbeddedSettings.HOST + ":" + port + "/metrics"));
            return true;
        } catch (IOException e) {
            System.out.println("  not reachable (" + e.getMessage() + "); is './pipeline up' running?");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String count(Connection sql, String table) {
        try (ResultSet rows = sql.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return Long.toString(rows.getLong(1));
        } catch (SQLException e) {
            return "(no table yet)";
        }
    }

    private static long parquetFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".parquet")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void print(String what, Map<String, Double> metrics, String name, String label) {
        Map<String, Double> byLabel = new TreeMap<>();
        double total = 0;
        for (var sample : metrics.entrySet()) {
            if (sample.getKey().startsWith(name + "{") || sample.getKey().equals(name)) {
                total += sample.getValue();
                Matcher labels = LABEL.matcher(sample.getKey());
                while (labels.find()) {
                    if (labels.group(1).equals(label)) {
                        byLabel.merge(labels.group(2), sample.getValue(), Double::sum);
                    }
                }
            }
        }
        System.out.printf("  %-28s %.0f%n", what, total);
        byLabel.forEach((value, count) -> System.out.printf("    %-26s %.0f%n", value, count));
    }

    /** Prometheus text format to {@code name{labels}} → value. */
    static Map<String, Double> scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
                .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered HTTP " + response.statusCode());
        }
        Map<String, Double> samples = new TreeMap<>();
        response.body().lines().filter(line -> !line.startsWith("#")).forEach(line -> {
            Matcher sample = SAMPLE.matcher(line.strip());
            if (sample.matches()) {
                String key = sample.group(1) + (sample.group(2) == null ? "" : sample.group(2));
                samples.put(key, Double.parseDouble(sample.group(4)));
            }
        });
        return samples;
    }
}
