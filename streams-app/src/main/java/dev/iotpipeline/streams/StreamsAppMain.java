package dev.iotpipeline.streams;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Runs the streams app alone against an external Kafka cluster and registry:
 * {@code java -jar streams-app.jar [config.properties]}; environment variables override the file.
 */
public final class StreamsAppMain {

    private StreamsAppMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path file = args.length > 0 ? Path.of(args[0]) : null;
        StreamsApp app = StreamsApp.start(StreamsAppConfig.load(file, System.getenv(), Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "streams-app-stop"));
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (app.state() == KafkaStreams.State.ERROR) {
                // Exit non-zero so a supervisor (Kubernetes, systemd) restarts and reports it.
                System.exit(1);
            }
        }
    }
}
