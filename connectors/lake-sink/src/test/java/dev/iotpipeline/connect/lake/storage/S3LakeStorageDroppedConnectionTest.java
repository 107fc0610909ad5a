package dev.iotpipeline.connect.lake.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An S3 endpoint that drops the connection after reading a request's head (a store stopping or a
 * load balancer resetting mid-upload). The AWS SDK's URL-connection client then throws an
 * unchecked {@code IOException} of its own rather than an {@code SdkException}; the lake must still
 * call it a transient storage failure, which the task retries, instead of letting it kill the task.
 */
class S3LakeStorageDroppedConnectionTest {

    @TempDir
    Path spool;

    @Test
    void aConnectionDroppedMidUploadIsATransientFailure() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread dropper = new Thread(() -> dropEveryConnection(server, requests), "s3-dropper");
            dropper.setDaemon(true);
            dropper.start();
            S3LakeStorage storage = new S3LakeStorage(new S3LakeStorage.Settings("iot-lake", "lake", "",
                    "http://127.0.0.1:" + server.getLocalPort(), true, "key", "secret", 5L << 20, 5L << 20, spool));

            Throwable thrown = catchThrowable(() -> storage.write("env_readings/x.parquet", file -> {
                try (var out = file.createOrOverwrite(0)) {
                    out.write("PAR1 not really".getBytes(StandardCharsets.UTF_8));
                }
            }));

            assertThat(thrown).isInstanceOf(StorageException.class).hasMessageContaining("s3://iot-lake/lake/env_readings/x.parquet");
            assertThat(((StorageException) thrown).transientFailure()).as("worth a retry").isTrue();
            assertThat(requests.get()).as("the upload reached the endpoint").isPositive();
        }
    }

    private static void dropEveryConnection(ServerSocket server, AtomicInteger requests) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                BufferedReader head = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                String line;
                while ((line = head.readLine()) != null && !line.isEmpty()) {
                    // read the request head, then drop the connection without an answer
                }
                requests.incrementAndGet();
            } catch (Exception e) {
                return;
            }
        }
    }
}
