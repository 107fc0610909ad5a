package dev.iotpipeline.testing;

import dev.iotpipeline.embedded.Ports;
import dev.iotpipeline.embedded.PostgresServer;
import dev.iotpipeline.embedded.SchemaRegistryServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Everything a scale-out test runs the pipeline against, as in production but on 127.0.0.1: a
 * Kafka cluster of three KRaft nodes in child JVMs ({@link KafkaCluster}: replication factor 3,
 * {@code min.insync.replicas=2}), the schema registry (a child process), PostgreSQL for the
 * warehouse, and s3proxy as the lake's object store (in this JVM, objects in memory, bucket
 * {@value #BUCKET}).
 *
 * <p>Modules using it need {@code org.gaul:s3proxy} on their test class path (it is an optional
 * dependency of this module, with Jetty excluded as for the lake sink's tests).
 */
public final class ClusterTestBed implements AutoCloseable {

    public static final String BUCKET = "iot-lake";
    public static final String S3_ACCESS_KEY = "lake-access";
    public static final String S3_SECRET_KEY = "lake-secret";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTestBed.class);

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Path dir;
    private KafkaCluster kafka;
    private SchemaRegistryServer registry;
    private PostgresServer postgres;
    private S3Proxy s3proxy;
    private BlobStore blobs;

    private ClusterTestBed(Path dir) {
        this.dir = dir;
    }

    /** Starts all four under {@code dir}; on failure stops what started and rethrows. */
    public static ClusterTestBed start(Path dir) {
        ClusterTestBed bed = new ClusterTestBed(dir);
        try {
            bed.kafka = KafkaCluster.start(dir.resolve("kafka"), 3);
            bed.running.push(bed.kafka);
            bed.registry = new SchemaRegistryServer(new SchemaRegistryServer.Settings(SchemaRegistryServer.locateRunnerJar(),
                    "127.0.0.1", Ports.freePort("127.0.0.1"), Optional.of(dir.resolve("registry")), dir.resolve("registry.log")))
                    .start(START_TIMEOUT);
            bed.running.push(bed.registry);
            bed.postgres = PostgresServer.start(dir.resolve("postgres"), Ports.freePort("127.0.0.1"), dir.resolve("postgres.log"));
            bed.running.push(bed.postgres);
            bed.startS3proxy();
        } catch (Exception e) {
            bed.close();
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
        return bed;
    }

    private void startS3proxy() throws Exception {
        blobs = new TransientNio2BlobStore();
        blobs.createContainer(BUCKET);
        s3proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + Ports.freePort("127.0.0.1")))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, S3_ACCESS_KEY, S3_SECRET_KEY).build();
        s3proxy.start();
        running.push(s3proxy::stop);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"STARTED".equals(s3proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + s3proxy.getState());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    /** The registry's Confluent-compatible API, as {@code schema.registry.url}. */
    public String registryUrl() {
        return registry.confluentApiUrl();
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public String s3Endpoint() {
        return "http://127.0.0.1:" + s3proxy.getPort();
    }

    /** A directory for the components a test starts on this bed. */
    public Path dir() {
        return dir;
    }

    /**
     * Copies every object of the bucket under {@code prefix} to {@code target} (key = relative
     * path, replacing what is there; a file's time is its object's), so local readers such as
     * DuckDB can read the lake as written.
     *
     * @return the number of objects copied
     */
    public int copyObjects(String prefix, Path target) {
        int copied = 0;
        String token = null;
        do {
            ListObjectsV2Response page = blobs.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix(prefix)
                    .continuationToken(token).build());
            for (S3Object object : page.contents()) {
                if (object.key().endsWith("/")) {
                    continue; // a directory marker
                }
                Path file = target.resolve(object.key().substring(prefix.length()).replaceFirst("^/", ""));
                try (InputStream in = blobs.getBlob(BUCKET, object.key())) {
                    Files.createDirectories(file.getParent());
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                    if (object.lastModified() != null) {
                        Files.setLastModifiedTime(file, FileTime.from(object.lastModified()));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot copy " + object.key(), e);
                }
                copied++;
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return copied;
    }

    /** Stops everything, last started first. */
    @Override
    public void close() {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                LOG.warn("Could not stop a test bed component cleanly (stopping the rest): {}", e.toString());
            }
        }
    }
}
