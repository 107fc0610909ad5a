package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.lake.parquet.ParquetBatchWriter;
import dev.iotpipeline.connect.lake.storage.LakeStorage;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.connect.lake.storage.S3LakeStorage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** The lake sink's settings; {@link #CONFIG_DEF} documents every key (see CONFIG.md). */
public final class LakeSinkConfig extends AbstractConfig {

    public static final String STORAGE = "lake.storage";
    public static final String LOCAL_DIR = "lake.local.dir";
    public static final String S3_BUCKET = "s3.bucket";
    public static final String S3_PREFIX = "s3.prefix";
    public static final String S3_REGION = "s3.region";
    public static final String S3_ENDPOINT = "s3.endpoint";
    public static final String S3_PATH_STYLE = "s3.path.style.access";
    public static final String S3_ACCESS_KEY = "s3.access.key.id";
    public static final String S3_SECRET_KEY = "s3.secret.access.key";
    public static final String S3_MULTIPART_THRESHOLD = "s3.multipart.threshold.bytes";
    public static final String S3_PART_SIZE = "s3.part.size.bytes";
    public static final String S3_SPOOL_DIR = "s3.spool.dir";
    public static final String COMPRESSION = "parquet.compression";
    public static final String ZSTD_LEVEL = "parquet.zstd.level";
    public static final String ROW_GROUP_BYTES = "parquet.row.group.bytes";
    public static final String PAGE_BYTES = "parquet.page.bytes";
    public static final String REGISTRY_URL = "schema.registry.url";
    public static final String REGISTRY_AUTH = "schema.registry.basic.auth.user.info";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String RETENTION_DAYS = "retention.days";
    public static final String RETENTION_CHECK_INTERVAL_MS = "retention.check.interval.ms";

    /** Where the lake's files go. */
    public enum Storage { LOCAL, S3 }

    /** S3's smallest part (all but the last) and therefore the smallest useful threshold. */
    static final long S3_MIN_PART = 5L * 1024 * 1024;

    private static final String LAKE = "Lake";
    private static final String S3 = "S3";
    private static final String PARQUET = "Parquet";
    private static final String SCHEMAS = "Schema registry";
    private static final String ERRORS = "Retries";
    private static final String RETENTION = "Retention";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(STORAGE, Type.STRING, "local", ConfigDef.CaseInsensitiveValidString.in("local", "s3"), Importance.HIGH,
                    "Where the lake lives: local (a directory on this worker, or a mounted volume) or s3 (AWS S3 or an "
                            + "S3-compatible store).", LAKE, 1, Width.SHORT, "Storage")
            .define(LOCAL_DIR, Type.STRING, "", Importance.HIGH,
                    "Lake root directory for lake.storage=local, an absolute path; created if missing. Files go to "
                            + "<dir>/env_readings/ and <dir>/positions/.", LAKE, 2, Width.LONG, "Lake directory")
            .define(S3_BUCKET, Type.STRING, "", Importance.HIGH, "Bucket for lake.storage=s3; must exist.",
                    S3, 1, Width.MEDIUM, "Bucket")
            .define(S3_PREFIX, Type.STRING, "", Importance.MEDIUM,
                    "Key prefix of the lake root in the bucket, e.g. lake (keys lake/env_readings/...); empty for the bucket root.",
                    S3, 2, Width.MEDIUM, "Key prefix")
            .define(S3_REGION, Type.STRING, "", Importance.MEDIUM,
                    "AWS region, e.g. eu-west-1; empty: the SDK's default region chain (AWS_REGION, profile, instance metadata).",
                    S3, 3, Width.SHORT, "Region")
            .define(S3_ENDPOINT, Type.STRING, "", Importance.MEDIUM,
                    "Endpoint override for S3-compatible stores (MinIO, Ceph, s3proxy), e.g. http://minio:9000; empty for AWS.",
                    S3, 4, Width.LONG, "Endpoint")
            .define(S3_PATH_STYLE, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Path-style requests (http://host/bucket/key) instead of virtual-hosted style; most S3-compatible stores need it.",
                    S3, 5, Width.SHORT, "Path style")
            .define(S3_ACCESS_KEY, Type.PASSWORD, "", Importance.MEDIUM,
                    "Access key id; empty: the SDK's default credentials provider chain (environment, system properties, "
                            + "profile, web identity, container or instance role). Set together with s3.secret.access.key.",
                    S3, 6, Width.MEDIUM, "Access key id")
            .define(S3_SECRET_KEY, Type.PASSWORD, "", Importance.MEDIUM, "Secret access key, with s3.access.key.id.",
                    S3, 7, Width.MEDIUM, "Secret access key")
            .define(S3_MULTIPART_THRESHOLD, Type.LONG, 16L * 1024 * 1024, ConfigDef.Range.atLeast(S3_MIN_PART),
                    Importance.LOW, "Files of at least this many bytes are uploaded as a multipart upload (visible only "
                            + "when the upload completes); smaller ones with one PUT.", S3, 8, Width.SHORT, "Multipart threshold")
            .define(S3_PART_SIZE, Type.LONG, 8L * 1024 * 1024, ConfigDef.Range.between(S3_MIN_PART, 5L * 1024 * 1024 * 1024),
                    Importance.LOW, "Size of each part of a multipart upload (S3 allows 5 MiB to 5 GiB).", S3, 9, Width.SHORT,
                    "Part size")
            .define(S3_SPOOL_DIR, Type.STRING, "", Importance.LOW,
                    "Local directory where a file is written before its upload; empty: java.io.tmpdir.", S3, 10, Width.LONG,
                    "Spool directory")
            .define(COMPRESSION, Type.STRING, "zstd", ConfigDef.CaseInsensitiveValidString.in("zstd", "snappy", "uncompressed"),
                    Importance.MEDIUM, "Parquet page compression.", PARQUET, 1, Width.SHORT, "Compression")
            .define(ZSTD_LEVEL, Type.INT, 3, ConfigDef.Range.between(1, 22), Importance.LOW,
                    "zstd level when parquet.compression=zstd (higher: smaller, slower).", PARQUET, 2, Width.SHORT, "zstd level")
            .define(ROW_GROUP_BYTES, Type.LONG, 64L * 1024 * 1024, ConfigDef.Range.atLeast(1024 * 1024), Importance.LOW,
                    "Row group size; a row group is buffered in memory while it is written, a file of one batch usually "
                            + "has one.", PARQUET, 3, Width.SHORT, "Row group bytes")
            .define(PAGE_BYTES, Type.INT, 1024 * 1024, ConfigDef.Range.atLeast(8 * 1024), Importance.LOW,
                    "Page size within a column chunk.", PARQUET, 4, Width.SHORT, "Page bytes")
            .define(REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Confluent-compatible schema registry URL(s), comma-separated, to decode the batches' Avro.",
                    SCHEMAS, 1, Width.LONG, "Registry URL")
            .define(REGISTRY_AUTH, Type.PASSWORD, "", Importance.LOW, "user:password for the registry's basic auth.",
                    SCHEMAS, 2, Width.SHORT, "Registry auth")
            .define(RETRY_BACKOFF_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(100), Importance.LOW,
                    "Wait before the worker retries a batch after a transient error (disk full or unavailable, S3 "
                            + "unreachable, throttled or 5xx, registry unavailable); retries go on until it succeeds.",
                    ERRORS, 1, Width.SHORT, "Retry backoff (ms)")
            .define(RETENTION_DAYS, Type.INT, 0, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Days of readings the lake keeps, by event time, in whole UTC days: the task drops every "
                            + "event_date partition before the UTC day that holds now minus this many days, and sends "
                            + "readings older than that day to the dead-letter topic as expired instead of writing them. "
                            + "0, the default, keeps everything: the lake is the archive.", RETENTION, 1, Width.SHORT, "Retention (days)")
            .define(RETENTION_CHECK_INTERVAL_MS, Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(1000), Importance.LOW,
                    "How often a task looks for partitions to drop (also once when it starts); a failed drop is "
                            + "logged and tried again after this interval.", RETENTION, 2, Width.SHORT,
                    "Retention check interval (ms)");

    public LakeSinkConfig(Map<?, ?> props) {
        this(props, true);
    }

    /** With {@code checkCombinations} false, only each key alone is checked (for {@code validate()}, which reports all). */
    LakeSinkConfig(Map<?, ?> props, boolean checkCombinations) {
        super(CONFIG_DEF, props);
        Map<String, String> problems = checkCombinations ? crossFieldProblems() : Map.of();
        if (!problems.isEmpty()) {
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), originals().get(first.getKey()), first.getValue());
        }
    }

    /**
     * What is wrong across keys, by key: each key is valid alone, but the combination is not
     * (a local lake without a directory, half of a key pair). Empty when all is well.
     */
    Map<String, String> crossFieldProblems() {
        Map<String, String> problems = new LinkedHashMap<>();
        if (storage() == Storage.LOCAL) {
            String dir = getString(LOCAL_DIR).trim();
            if (dir.isEmpty()) {
                problems.put(LOCAL_DIR, "is required with lake.storage=local: the lake's root directory");
            } else if (!Path.of(dir).isAbsolute()) {
                problems.put(LOCAL_DIR, "must be an absolute path (the worker's working directory is not a stable place)");
            }
        } else {
            if (getString(S3_BUCKET).trim().isEmpty()) {
                problems.put(S3_BUCKET, "is required with lake.storage=s3");
            }
            if (accessKeyId().isEmpty() != secretAccessKey().isEmpty()) {
                problems.put(accessKeyId().isEmpty() ? S3_ACCESS_KEY : S3_SECRET_KEY,
                        "s3.access.key.id and s3.secret.access.key must be set together (or both left empty for the default chain)");
            }
            if (getLong(S3_PART_SIZE) > getLong(S3_MULTIPART_THRESHOLD)) {
                problems.put(S3_PART_SIZE, "must not exceed s3.multipart.threshold.bytes");
            }
        }
        return problems;
    }

    public Storage storage() {
        return Storage.valueOf(getString(STORAGE).trim().toUpperCase(Locale.ROOT));
    }

    public Path localDir() {
        return Path.of(getString(LOCAL_DIR).trim());
    }

    public String s3Bucket() {
        return getString(S3_BUCKET).trim();
    }

    /** The key prefix without leading or trailing slashes; empty for the bucket root. */
    public String s3Prefix() {
        return getString(S3_PREFIX).trim().replaceAll("^/+|/+$", "");
    }

    public String s3Region() {
        return getString(S3_REGION).trim();
    }

    public String s3Endpoint() {
        return getString(S3_ENDPOINT).trim();
    }

    public boolean s3PathStyle() {
        return getBoolean(S3_PATH_STYLE);
    }

    public String accessKeyId() {
        return secret(S3_ACCESS_KEY);
    }

    public String secretAccessKey() {
        return secret(S3_SECRET_KEY);
    }

    public long multipartThreshold() {
        return getLong(S3_MULTIPART_THRESHOLD);
    }

    public long partSize() {
        return getLong(S3_PART_SIZE);
    }

    public Path spoolDir() {
        String dir = getString(S3_SPOOL_DIR).trim();
        return Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
    }

    public CompressionCodecName compression() {
        return CompressionCodecName.valueOf(getString(COMPRESSION).trim().toUpperCase(Locale.ROOT));
    }

    public int zstdLevel() {
        return getInt(ZSTD_LEVEL);
    }

    public long rowGroupBytes() {
        return getLong(ROW_GROUP_BYTES);
    }

    public int pageBytes() {
        return getInt(PAGE_BYTES);
    }

    public ParquetBatchWriter.Settings parquetSettings() {
        return new ParquetBatchWriter.Settings(compression(), zstdLevel(), rowGroupBytes(), pageBytes());
    }

    public S3LakeStorage.Settings s3Settings() {
        return new S3LakeStorage.Settings(s3Bucket(), s3Prefix(), s3Region(), s3Endpoint(), s3PathStyle(), accessKeyId(),
                secretAccessKey(), multipartThreshold(), partSize(), spoolDir());
    }

    /** The configured storage, open. */
    public LakeStorage openStorage() {
        return storage() == Storage.LOCAL ? new LocalLakeStorage(localDir()) : new S3LakeStorage(s3Settings());
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    /** Days of event time the lake keeps; 0 keeps everything. */
    public int retentionDays() {
        return getInt(RETENTION_DAYS);
    }

    public long retentionCheckIntervalMs() {
        return getLong(RETENTION_CHECK_INTERVAL_MS);
    }

    /** Settings for the schema registry client. */
    public Map<String, Object> registryConfig() {
        String auth = secret(REGISTRY_AUTH);
        return auth.isEmpty()
                ? Map.of("schema.registry.url", getString(REGISTRY_URL))
                : Map.of("schema.registry.url", getString(REGISTRY_URL), "basic.auth.user.info", auth);
    }

    private String secret(String key) {
        Password password = getPassword(key);
        return password == null ? "" : password.value().trim();
    }
}
