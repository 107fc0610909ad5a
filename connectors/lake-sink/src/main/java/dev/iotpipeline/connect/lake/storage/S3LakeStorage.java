package dev.iotpipeline.connect.lake.storage;

import dev.iotpipeline.connect.lake.parquet.FileOutputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.parquet.io.InputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The lake in an S3 bucket (AWS or S3-compatible), through AWS SDK v2 with the JDK's HTTP client.
 * A file is first written to a local spool file, then uploaded: with one PUT below the multipart
 * threshold, otherwise as a multipart upload, which S3 makes visible only when it completes (and
 * aborts on failure). S3 acknowledges a PUT or a completion only once the object is durable.
 *
 * <p>Listing pages through ListObjectsV2 (with delimiter '/' for directories); deleting a prefix
 * deletes its keys with DeleteObjects, {@value #DELETE_BATCH} at a time (S3's limit per request).
 * Reading fetches byte ranges as Parquet asks for them ({@link S3InputFile}).
 */
public final class S3LakeStorage implements LakeStorage {

    /** How to reach the bucket. */
    public record Settings(String bucket, String prefix, String region, String endpoint, boolean pathStyle,
                           String accessKeyId, String secretAccessKey, long multipartThreshold, long partSize,
                           Path spoolDir) {
    }

    static final String CONTENT_TYPE = "application/vnd.apache.parquet";
    static final int DELETE_BATCH = 1000;
    /** Error codes of a single key in a DeleteObjects answer that a retry may fix. */
    private static final List<String> TRANSIENT_CODES = List.of("InternalError", "ServiceUnavailable", "SlowDown",
            "RequestTimeout", "OperationAborted");
    private static final Logger LOG = LoggerFactory.getLogger(S3LakeStorage.class);

    private final Settings settings;
    private final S3Client s3;

    public S3LakeStorage(Settings settings) {
        this.settings = settings;
        this.s3 = client(settings);
    }

    static S3Client client(Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)).build())
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings));
        if (!settings.region().isEmpty()) {
            builder.region(Region.of(settings.region()));
        } else if (!settings.endpoint().isEmpty()) {
            builder.region(Region.US_EAST_1); // S3-compatible stores mostly ignore it, but signing needs one
        }
        if (!settings.endpoint().isEmpty()) {
            // S3-compatible stores often reject the SDK's default trailing checksums: send them only when required.
            builder.endpointOverride(URI.create(settings.endpoint()))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(Settings settings) {
        return settings.accessKeyId().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    }

    @Override
    public void write(String key, Content content) {
        String objectKey = objectKey(key);
        Path spool = null;
        try {
            Files.createDirectories(settings.spoolDir());
            spool = Files.createTempFile(settings.spoolDir(), ".lake-", ".parquet.tmp");
            content.writeTo(new FileOutputFile(spool, false));
            long size = Files.size(spool);
            if (size < settings.multipartThreshold()) {
                Path file = spool;
                s3.putObject(b -> b.bucket(settings.bucket()).key(objectKey).contentType(contentType(objectKey)),
                        RequestBody.fromFile(file));
            } else {
                uploadInParts(objectKey, spool, size);
            }
        } catch (IOException e) {
            throw new StorageException("cannot spool " + objectKey + " in " + settings.spoolDir() + ": " + e, e, true);
        } catch (SdkException e) {
            throw new StorageException("cannot upload s3://" + settings.bucket() + "/" + objectKey + ": " + e.getMessage(), e,
                    isTransient(e));
        } catch (UncheckedIOException e) {
            // The SDK's URL-connection client throws this, not an SdkException, when the store drops the
            // connection while the request body starts (it reads the 100-continue answer): transient.
            throw new StorageException("cannot upload s3://" + settings.bucket() + "/" + objectKey + ": " + e.getCause(), e, true);
        } finally {
            deleteQuietly(spool);
        }
    }

    private void uploadInParts(String key, Path file, long size) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(settings.bucket()).key(key).contentType(contentType(key)))
                .uploadId();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            List<CompletedPart> parts = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(settings.partSize(), size));
            for (long offset = 0; offset < size; offset += settings.partSize()) {
                int partNumber = parts.size() + 1;
                int length = (int) Math.min(settings.partSize(), size - offset);
                buffer.clear().limit(length);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new IOException("spool file " + file + " ended early");
                    }
                }
                buffer.flip();
                String eTag = s3.uploadPart(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) length), RequestBody.fromByteBuffer(buffer)).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            LOG.debug("Uploaded s3://{}/{} in {} parts ({} bytes)", settings.bucket(), key, parts.size(), size);
        } catch (IOException | RuntimeException e) {
            abortQuietly(key, uploadId);
            throw e;
        }
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            LOG.warn("Could not abort multipart upload {} of s3://{}/{} (a bucket lifecycle rule should expire it): {}",
                    uploadId, settings.bucket(), key, e.getMessage());
        }
    }

    private static String contentType(String objectKey) {
        return objectKey.endsWith(".json") ? "application/json" : CONTENT_TYPE;
    }

    private String objectKey(String key) {
        return settings.prefix().isEmpty() ? key : settings.prefix() + "/" + key;
    }

    /** The key relative to the lake root of an object key under it. */
    private String relative(String objectKey) {
        return objectKey.substring(objectKey("").length());
    }

    @Override
    public List<String> list(String prefix) {
        String objectPrefix = objectKey(LakeStorage.directory(prefix));
        try {
            List<String> keys = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(objectPrefix)).contents()) {
                keys.add(relative(object.key()));
            }
            Collections.sort(keys);
            return keys;
        } catch (SdkException | UncheckedIOException e) {
            throw failure("list", objectPrefix, e);
        }
    }

    @Override
    public List<String> listDirectories(String prefix) {
        String objectPrefix = objectKey(LakeStorage.directory(prefix));
        try {
            List<String> names = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(objectPrefix).delimiter("/")).commonPrefixes()
                    .forEach(common -> names.add(common.prefix().substring(objectPrefix.length()).replaceAll("/+$", "")));
            Collections.sort(names);
            return names;
        } catch (SdkException | UncheckedIOException e) {
            throw failure("list", objectPrefix, e);
        }
    }

    @Override
    public Optional<InputFile> read(String key) {
        String objectKey = objectKey(key);
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(settings.bucket()).key(objectKey));
            return Optional.of(new S3InputFile(s3, settings.bucket(), objectKey, head.contentLength(), head.eTag()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("read", objectKey, e);
        } catch (SdkException | UncheckedIOException e) {
            throw failure("read", objectKey, e);
        }
    }

    @Override
    public void delete(String key) {
        String objectKey = objectKey(key);
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey));
        } catch (SdkException | UncheckedIOException e) {
            throw failure("delete", objectKey, e);
        }
    }

    @Override
    public int deletePrefix(String prefix) {
        String directory = LakeStorage.directory(prefix);
        if (directory.isEmpty()) {
            throw new IllegalArgumentException("deleting the whole lake is not a prefix deletion");
        }
        List<String> keys = list(directory);
        for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> chunk = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)).stream()
                    .map(key -> ObjectIdentifier.builder().key(objectKey(key)).build()).toList();
            DeleteObjectsResponse response;
            try {
                response = s3.deleteObjects(b -> b.bucket(settings.bucket()).delete(d -> d.objects(chunk).quiet(true)));
            } catch (SdkException | UncheckedIOException e) {
                throw failure("delete", objectKey(directory), e);
            }
            if (!response.errors().isEmpty()) {
                S3Error first = response.errors().get(0);
                throw new StorageException("cannot delete s3://" + settings.bucket() + "/" + first.key() + " (and "
                        + (response.errors().size() - 1) + " more): " + first.code() + " " + first.message(), null,
                        TRANSIENT_CODES.contains(first.code()));
            }
        }
        return keys.size();
    }

    private StorageException failure(String what, String objectKey, RuntimeException e) {
        String where = "cannot " + what + " s3://" + settings.bucket() + "/" + objectKey + ": ";
        return e instanceof SdkException sdk
                ? new StorageException(where + e.getMessage(), e, isTransient(sdk))
                : new StorageException(where + e.getCause(), e, true); // the URL-connection client's dropped connection
    }

    /** Unreachable, throttled, timed out or a server error: worth a retry. Denied or no such bucket: not. */
    static boolean isTransient(SdkException e) {
        if (e instanceof S3Exception s3e) {
            int status = s3e.statusCode();
            return status >= 500 || status == 429 || status == 408 || s3e.isThrottlingException();
        }
        return e instanceof SdkClientException || e.retryable();
    }

    /** Why the bucket cannot be used, if it cannot (for the connector's validation). */
    public static Optional<String> checkBucket(Settings settings) {
        try (S3Client client = client(settings)) {
            client.headBucket(b -> b.bucket(settings.bucket()));
            return Optional.empty();
        } catch (S3Exception e) {
            return Optional.of("bucket " + settings.bucket() + " is not usable (HTTP " + e.statusCode() + "): "
                    + (e.statusCode() == 404 ? "it does not exist" : e.getMessage()));
        } catch (SdkException e) {
            return Optional.of("cannot reach S3 for bucket " + settings.bucket() + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            return Optional.of("cannot reach S3 for bucket " + settings.bucket() + ": " + e.getCause());
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // Only a spool file.
            }
        }
    }

    @Override
    public String location() {
        return "s3://" + settings.bucket() + "/" + settings.prefix();
    }

    @Override
    public void close() {
        s3.close();
    }
}
