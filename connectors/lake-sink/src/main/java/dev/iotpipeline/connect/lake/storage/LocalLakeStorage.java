package dev.iotpipeline.connect.lake.storage;

import dev.iotpipeline.connect.lake.parquet.FileOutputFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The lake on a local (or mounted) file system. A file is written to a hidden temporary name in
 * its final directory ({@code .<name>.tmp}, which the {@code *.parquet} globs of readers skip),
 * fsynced, atomically renamed over its final name, and the directories are fsynced, so after
 * {@link #write} returns the file survives a power loss and no reader ever saw it incomplete. The
 * temporary name is deterministic too: a write interrupted by a crash leaves at most one stale
 * temporary file, which the replay of the same batch overwrites and renames.
 */
public final class LocalLakeStorage implements LakeStorage {

    private final Path root;

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
            Path dir = Files.createDirectories(target.getParent());
            content.writeTo(new FileOutputFile(temp, true));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (Path d = dir; d != null && d.startsWith(root); d = d.getParent()) {
                fsyncDirectory(d); // the new name, and any new partition directory, are durable too
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
