package dev.iotpipeline.connect.lake.storage;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Where the lake's files go. {@link #write} publishes a whole file under a key or nothing: a
 * reader never sees a partial file, and when it returns the file is durable. Writing a key again
 * replaces the file (a replayed batch).
 *
 * <p>Retention and erasure also list, read and delete: keys are relative to the lake root and
 * '/'-separated; a prefix names a directory ({@code env_readings/} or {@code env_readings}, both
 * meaning the keys below {@code env_readings/}; empty for the whole lake). Every method reports a
 * failure as a {@link StorageException} saying whether a retry may succeed.
 */
public interface LakeStorage extends AutoCloseable {

    /** Produces a file's content into the given output file. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputFile file) throws IOException;
    }

    /**
     * Writes {@code key} (relative to the lake root, '/'-separated) from {@code content}.
     *
     * @throws StorageException saying whether a retry may succeed
     */
    void write(String key, Content content);

    /**
     * Like {@link #write}, but the file may become durable and visible only by the next
     * {@link #awaitWrites}, so that waiting for the device overlaps with producing the next file.
     * A failure may surface here or there.
     */
    default void writeLater(String key, Content content) {
        write(key, content);
    }

    /**
     * Returns when every {@link #writeLater} since the last call is durable and visible.
     *
     * @throws StorageException the first that failed, saying whether a retry may succeed
     */
    default void awaitWrites() {
    }

    /**
     * Every published key below {@code prefix}, at any depth, sorted. A file still being written
     * (a local temporary file) is not listed. Empty when nothing is there.
     */
    List<String> list(String prefix);

    /**
     * The names of the immediate "directories" below {@code prefix} (the next key segment of the
     * keys deeper down, e.g. {@code event_date=2025-11-23}), sorted, without '/'.
     */
    List<String> listDirectories(String prefix);

    /**
     * {@code key} for reading with Parquet (random access, read as it is needed: a reader of the
     * footer and one column fetches only those bytes), or empty when there is no such key. A
     * stream never mixes two versions of a replaced file: on local disk it reads the file it opened,
     * on S3 a replaced object fails the read.
     */
    Optional<InputFile> read(String key);

    /** Deletes {@code key}; durable when it returns. A key that is already gone is not an error. */
    void delete(String key);

    /**
     * Deletes every key below the (non-empty) {@code prefix} and, on a file system, the
     * directories left empty; durable when it returns. What is already gone is not an error.
     *
     * @return how many files were deleted
     */
    int deletePrefix(String prefix);

    /** {@code prefix} as a directory prefix: no leading '/', a trailing '/' unless empty. */
    static String directory(String prefix) {
        String trimmed = prefix.replaceAll("^/+", "");
        return trimmed.isEmpty() || trimmed.endsWith("/") ? trimmed : trimmed + "/";
    }

    /** Where the lake is, for logs, e.g. {@code file:/data/lake} or {@code s3://bucket/prefix}. */
    String location();

    @Override
    void close();
}
