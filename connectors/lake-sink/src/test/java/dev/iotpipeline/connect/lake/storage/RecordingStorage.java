package dev.iotpipeline.connect.lake.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.parquet.io.InputFile;

/**
 * A real storage that also records which keys were written, read, listed and deleted, so a test can
 * tell work done from work skipped; {@link #failDeletes} makes the next prefix deletions fail as a
 * transient storage failure would.
 */
public final class RecordingStorage implements LakeStorage {

    private final LakeStorage storage;
    public final List<String> written = new ArrayList<>();
    public final List<String> read = new ArrayList<>();
    public final List<String> listed = new ArrayList<>();
    public final List<String> deleted = new ArrayList<>();
    private int failingDeletes;

    public RecordingStorage(LakeStorage storage) {
        this.storage = storage;
    }

    /** The next {@code count} calls of {@link #deletePrefix} fail. */
    public void failDeletes(int count) {
        failingDeletes = count;
    }

    @Override
    public void write(String key, Content content) {
        written.add(key);
        storage.write(key, content);
    }

    @Override
    public List<String> list(String prefix) {
        listed.add(prefix);
        return storage.list(prefix);
    }

    @Override
    public List<String> listDirectories(String prefix) {
        listed.add(prefix);
        return storage.listDirectories(prefix);
    }

    @Override
    public Optional<InputFile> read(String key) {
        read.add(key);
        return storage.read(key);
    }

    @Override
    public void delete(String key) {
        deleted.add(key);
        storage.delete(key);
    }

    @Override
    public int deletePrefix(String prefix) {
        if (failingDeletes > 0) {
            failingDeletes--;
            throw new StorageException("cannot delete " + prefix + ": the disk is unavailable", null, true);
        }
        deleted.add(prefix);
        return storage.deletePrefix(prefix);
    }

    @Override
    public String location() {
        return storage.location();
    }

    @Override
    public void close() {
        storage.close();
    }
}
