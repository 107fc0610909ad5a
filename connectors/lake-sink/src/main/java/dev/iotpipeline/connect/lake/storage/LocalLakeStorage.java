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

/**
 * The lake on a local (or mounted) file system. A file is written to a hidden temporary name in
 * its final directory ({@code .<name>.tmp}, which the {@code *.parquet} globs of readers skip),
 * fsynced, atomically renamed over its final name, and the directories are fsynced, so after
 * {@link #write} returns the file survives a power loss and no reader ever saw it incomplete. The
 * temporary name is deterministic too: a write interrupted by a crash leaves at most one stale
 * temporary file, which the replay of the same batch overwrites and renames.
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
    private final Set<Path> durableDirectories = Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
            return size() > KNOWN_DIRECTORIES;
        }
    });

    public LocalLakeStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void write(String key, Content content) {
        Path target = root.resolve(key).normalize();
        if (!target.startsWith(root)) {
            throw new StorageException("key " + key + " leaves the lake root " + root, null, false);
        }
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            Path dir = target.getParent();
            boolean known = Files.isDirectory(dir) && durableDirectories.contains(dir);
            if (!known) {
                durableDirectories.remove(dir);
                Files.createDirectories(dir);
            }
            content.writeTo(new FileOutputFile(temp, true));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(dir); // the new name is durable
            if (!known) {
                for (Path d = dir.getParent(); d != null && d.startsWith(root); d = d.getParent()) {
                    fsyncDirectory(d); // and so is every partition directory on the way
                }
                durableDirectories.add(dir);
            }
        } catch (AccessDeniedException e) {
            throw new StorageException("no permission to write " + e.getFile() + " in the lake " + root, e, false);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StorageException("cannot write " + target + ": " + e, e, true);
        }
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
    }
}
