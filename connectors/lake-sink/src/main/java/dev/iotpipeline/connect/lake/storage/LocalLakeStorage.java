package dev.iotpipeline.connect.lake.storage;

import dev.iotpipeline.connect.lake.parquet.FileOutputFile;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;

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
 *
 * <p>Listing skips the temporary files (they are not published yet); deleting a prefix removes them
 * too, then the directories left empty, and fsyncs the directory that held the prefix. Files and
 * directories that vanish while they are walked (another task dropping the same partition) are
 * skipped, not errors.
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
        Path target = resolve(key);
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
        } catch (RuntimeException e) {
            deleteQuietly(temp); // the content failed (e.g. a file being rewritten could not be read): no stale temporary file
            throw e;
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
    public List<String> list(String prefix) {
        Path dir = resolve(LakeStorage.directory(prefix));
        List<String> keys = new ArrayList<>();
        walk(dir, (file, attributes) -> {
            if (attributes.isRegularFile() && !file.getFileName().toString().startsWith(".")) {
                keys.add(key(file));
            }
        }, directory -> { });
        Collections.sort(keys);
        return keys;
    }

    @Override
    public List<String> listDirectories(String prefix) {
        Path dir = resolve(LakeStorage.directory(prefix));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw failure("list " + dir, e);
        }
    }

    /** Each stream reads the file that was there when it was opened: a rename over it never changes an open file. */
    @Override
    public Optional<InputFile> read(String key) {
        Path file = resolve(key);
        return Files.isRegularFile(file) ? Optional.of(new LocalInputFile(file)) : Optional.empty();
    }

    @Override
    public void delete(String key) {
        if (pending.containsKey(key)) {
            awaitWrites(); // or its publication would bring it back
        }
        Path file = resolve(key);
        try {
            if (Files.deleteIfExists(file)) {
                fsyncDirectory(file.getParent());
            }
        } catch (IOException e) {
            throw failure("delete " + file, e);
        }
    }

    @Override
    public int deletePrefix(String prefix) {
        String directory = LakeStorage.directory(prefix);
        if (directory.isEmpty()) {
            throw new IllegalArgumentException("deleting the whole lake is not a prefix deletion");
        }
        if (pending.keySet().stream().anyMatch(key -> key.startsWith(directory))) {
            awaitWrites();
        }
        Path dir = resolve(directory);
        List<Path> files = new ArrayList<>();
        List<Path> directories = new ArrayList<>(); // deepest first
        walk(dir, (file, attributes) -> files.add(file), directories::add);
        int deleted = 0;
        try {
            for (Path file : files) {
                deleted += Files.deleteIfExists(file) ? 1 : 0;
            }
            for (Path emptied : directories) {
                Files.deleteIfExists(emptied);
            }
            durableDirectories.removeIf(known -> known.startsWith(dir));
            if (!directories.isEmpty()) {
                fsyncDirectory(dir.getParent());
            }
        } catch (DirectoryNotEmptyException e) {
            throw new StorageException("a file appeared in " + e.getFile() + " while " + dir + " was deleted", e, true);
        } catch (IOException e) {
            throw failure("delete " + dir, e);
        }
        return deleted;
    }

    private interface FileVisit {
        void visit(Path file, BasicFileAttributes attributes);
    }

    private interface DirectoryVisit {
        void visit(Path directory);
    }

    /** Every file below {@code dir}, then each directory after its content; what vanishes meanwhile is skipped. */
    private void walk(Path dir, FileVisit files, DirectoryVisit directories) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    files.visit(file, attributes);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    directories.visit(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw failure("list " + dir, e);
        }
    }

    /** A key or directory prefix as a path, refused when it leaves the root. */
    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root)) {
            throw new StorageException("key " + key + " leaves the lake root " + root, null, false);
        }
        return path;
    }

    private String key(Path file) {
        return root.relativize(file).toString().replace(File.separatorChar, '/');
    }

    private StorageException failure(String what, IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return new StorageException("no permission to " + what + " (" + denied.getFile() + ") in the lake " + root, e, false);
        }
        return new StorageException("cannot " + what + ": " + e, e, true);
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
