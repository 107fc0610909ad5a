package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.testing.KafkaFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as a user runs it ({@code java -jar ingest-bridge.jar bridge.properties}, its
 * lib/ next to it) against a real broker: it starts, reaches Kafka, and logs at INFO by default,
 * Kafka's clients included (they log at DEBUG when logback finds no configuration).
 */
class StandaloneJarIT {

    @RegisterExtension
    static final KafkaFixture kafka = KafkaFixture.broker();

    @Test
    void theJarLogsAtInfoByDefault(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("bridge.properties");
        Files.writeString(properties, String.join("\n", "bootstrap.servers=" + kafka.bootstrapServers(),
                "devices.file=" + dir.resolve("devices.json"), "mqtt.host=127.0.0.1", "mqtt.port=0", "http.host=127.0.0.1",
                "http.port=0", "management.port=0", "instance.id=standalone-test", ""));
        Process bridge = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString(),
                properties.toString()).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(bridge.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((lines.stream().noneMatch(line -> line.contains("Kafka is reachable"))
                    || lines.stream().noneMatch(line -> line.contains("listening"))) && System.nanoTime() < deadline && bridge.isAlive()) {
                Thread.sleep(100);
            }
        } finally {
            bridge.destroy();
            bridge.waitFor(20, TimeUnit.SECONDS);
            reader.join(5_000);
        }
        assertThat(lines).as("started and reached Kafka").anyMatch(line -> line.contains(" INFO ") && line.contains("listening"))
                .anyMatch(line -> line.contains("Kafka is reachable"));
        assertThat(lines).as("nothing below INFO").noneMatch(line -> line.contains(" DEBUG ") || line.contains(" TRACE "));
    }

    private static Path jar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(file -> file.getFileName().toString().matches("ingest-bridge-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged jar in target/: run mvn verify, which packages first"));
        }
    }
}
