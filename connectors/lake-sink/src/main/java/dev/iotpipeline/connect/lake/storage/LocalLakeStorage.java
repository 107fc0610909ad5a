package dev.iotpipeline.connect.lake.storage;

import dev.iotpipeline.connect.lake.parquet.FileOutputFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The lake on a local (or mounted) file system. A file is written to a hidden temporary name in
 * its final directory ({@code .<name>.tmp}, which the {@code *.parquet} globs of readers skip),
 * fsynced, atomically renamed over its final name, and the directories are fsynced, so after
 * {@link #write} returns the file survives a power loss and no reader ever saw it incomplete. The
 * temporary name is deterministic too: a write interrupted by a crash leaves at most one stale
 * temporary file, which the replay of the same batch overwrites and renames.
 *
 * <p>{@link #writeLater} writes the temporary file and leaves the fsync, rename and directory fsync
 * to a background thread (in order), so that waiting for the device overlaps with encoding the next
 * file; {@link #awaitWrites} waits for them. A key still pending is awaited before it is written again.
 *
 * <p>A rename changes only its own directory, so that one is fsynced after every file; the
 * directories above it only change when a directory is created, so they are fsynced the first
 * time this instance writes into a directory (up to {@value #KNOWN_DIRECTORIES} remembered), which
 * covers directories a crashed run created and never synced.
 */
public final class LocalLakeStorage implements LakeStorage {

    private static final int KNOWN_DIRECTORIES = 4096;

    private final Path root;
    /** Directories whose entry, and every entry above, this instance has made durable. */
    private final Set<Path> durableDirectories = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
                    return size() > KNOWN_DIRECTORIES;
                }
            }));
    /** Publications (fsync, rename, directory fsync) not yet awaited, by key, in the order written. */
    private final Map<String, Future<?>> pending = new LinkedHashMap<>();
    private final ExecutorService publisher;

    public LocalLakeStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.publisher = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "lake-publisher " + this.root);
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void write(String key, Content content) {
        writeLater(key, content);
        awaitWrites();
    }

    @Override
    public void writeLater(String key, Content content) {
        if (pending.containsKey(key)) {
            awaitWrites(); // the same temporary name: the earlier file is published first
        }
        Path target = root.resolve(key).normalize();
        if (!target.startsWith(root)) {
            throw new StorageException("key " + key + " leaves the lake root " + root, null, false);
        }
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Path dir = target.getParent();
        boolean known;
        try {
            known = Files.isDirectory(dir) && durableDirectories.contains(dir);
            if (!known) {
                durableDirectories.remove(dir);
                Files.createDirectories(dir);
            }
            content.writeTo(new FileOutputFile(temp, false));
        } catch (IOException e) {
            throw failure(target, temp, e);
        }
        pending.put(key, publisher.submit(() -> {
            publish(temp, target, known);
            return null;
        }));
    }

    /** Makes the temporary file durable, renames it over the target and makes the new name durable. */
    private void publish(Path temp, Path target, boolean known) throws IOException {
        try (FileChannel file = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            file.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path dir = target.getParent();
        fsyncDirectory(dir); // the new name is durable
        if (!known) {
            for (Path d = dir.getParent(); d != null && d.startsWith(root); d = d.getParent()) {
                fsyncDirectory(d); // and so is every partition directory on the way
            }
            durableDirectories.add(dir);
        }
    }

    @Override
    public void awaitWrites() {
        StorageException first = null;
        for (Map.Entry<String, Future<?>> write : pending.entrySet()) {
            try {
                write.getValue().get();
            } catch (ExecutionException e) {
                Path target = root.resolve(write.getKey()).normalize();
                StorageException failure = failure(target, target.resolveSibling("." + target.getFileName() + ".tmp"),
                        e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
                first = first == null ? failure : first;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                first = first == null ? new StorageException("interrupted while publishing " + write.getKey(), e, true) : first;
            }
        }
        pending.clear();
        if (first != null) {
            throw first;
        }
    }

    private StorageException failure(Path target, Path temp, IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return new StorageException("no permission to write " + denied.getFile() + " in the lake " + root, e, false);
        }
        deleteQuietly(temp);
        return new StorageException("cannot write " + target + ": " + e, e, true);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A replay of the batch overwrites it.
        }
    }

    @Override
    public String location() {
        return root.toUri().toString();
    }

    @Override
    public void close() {
        publisher.shutdown();
        try {
            publisher.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
