package dev.iotpipeline.connect.lake;

import static org.awaitility.Awaitility.await;

import dev.iotpipeline.connect.lake.storage.S3LakeStorage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** An in-process s3proxy on 127.0.0.1 with one bucket, and a client of its own, for the S3 tests. */
public final class S3Server implements AutoCloseable {

    public static final String BUCKET = "iot-lake";
    public static final String ACCESS_KEY = "lake-access";
    public static final String SECRET_KEY = "lake-secret";

    private final BlobStore blobs;
    private final S3Proxy proxy;
    private final S3Client client;

    private S3Server(BlobStore blobs, S3Proxy proxy) {
        this.blobs = blobs;
        this.proxy = proxy;
        this.client = client(endpoint(proxy));
    }

    /** A new server with an empty bucket in memory. */
    public static S3Server start() throws Exception {
        BlobStore blobs = new TransientNio2BlobStore();
        S3Server server = new S3Server(blobs, startProxy(blobs, 0));
        server.client.createBucket(b -> b.bucket(BUCKET));
        return server;
    }

    /**
     * Puts an object into the bucket's store directly, not over HTTP: for fixtures of many objects,
     * which a burst of PUTs through the JDK's URL connection to s3proxy does not reliably get in.
     */
    public void seed(String key, byte[] content) {
        blobs.putBlob(PutObjectRequest.builder().bucket(BUCKET).key(key).contentLength((long) content.length).build(),
                new ByteArrayInputStream(content));
    }

    /** s3proxy over {@code blobs} on {@code port} (0: any), started. */
    public static S3Proxy startProxy(BlobStore blobs, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
        return proxy;
    }

    public static String endpoint(S3Proxy proxy) {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** A client as the tests read the bucket: path style, checksums only where required (what s3proxy accepts). */
    public static S3Client client(String endpoint) {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(URI.create(endpoint)).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))).build();
    }

    public S3Client client() {
        return client;
    }

    public String endpoint() {
        return endpoint(proxy);
    }

    /** The storage settings of a lake under {@code prefix} of the bucket. */
    public S3LakeStorage.Settings settings(String prefix, Path spool) {
        return new S3LakeStorage.Settings(BUCKET, prefix, "", endpoint(), true, ACCESS_KEY, SECRET_KEY, 5L << 20, 5L << 20, spool);
    }

    /** The lake sink's keys for a lake under {@code prefix} of the bucket. */
    public Map<String, String> sinkConfig(String prefix, Path spool) {
        Map<String, String> config = new HashMap<>();
        config.put("lake.storage", "s3");
        config.put("s3.bucket", BUCKET);
        config.put("s3.prefix", prefix);
        config.put("s3.endpoint", endpoint());
        config.put("s3.path.style.access", "true");
        config.put("s3.access.key.id", ACCESS_KEY);
        config.put("s3.secret.access.key", SECRET_KEY);
        config.put("s3.spool.dir", spool.toString());
        return config;
    }

    @Override
    public void close() throws Exception {
        client.close();
        proxy.stop();
    }
}
