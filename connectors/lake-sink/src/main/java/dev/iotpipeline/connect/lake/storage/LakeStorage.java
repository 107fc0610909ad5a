package dev.iotpipeline.connect.lake.storage;

import java.io.IOException;
import org.apache.parquet.io.OutputFile;

/**
 * Where the lake's files go. {@link #write} publishes a whole file under a key or nothing: a
 * reader never sees a partial file, and when it returns the file is durable. Writing a key again
 * replaces the file (a replayed batch).
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

    /** Where the lake is, for logs, e.g. {@code file:/data/lake} or {@code s3://bucket/prefix}. */
    String location();

    @Override
    void close();
}
