package dev.iotpipeline.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One running pipeline per data directory. An exclusive lock on {@code pipeline.lock}, which the
 * operating system releases when the process ends however it ends (SIGKILL included), so a stale
 * lock cannot block the next start; and {@code pipeline.pid}, naming the owner for
 * {@code ./pipeline down}. The lock file itself stays (deleting it would race a starting owner).
 */
final class DataDirectoryLock implements AutoCloseable {

    static final String LOCK_FILE = "pipeline.lock";
    static final String PID_FILE = "pipeline.pid";
    /** What the command line of a {@code ./pipeline} process contains. */
    static final String LAUNCHER_CLASS = Pipeline.class.getName();

    private final FileChannel channel;
    private final FileLock lock;
    private final Path pidFile;

    private DataDirectoryLock(FileChannel channel, FileLock lock, Path pidFile) {
        this.channel = channel;
        this.lock = lock;
        this.pidFile = pidFile;
    }

    /** Takes the data directory for this process; fails naming the running owner if another has it. */
    static DataDirectoryLock acquire(Path dataDir) {
        Optional<DataDirectoryLock> taken = tryAcquire(dataDir);
        if (taken.isEmpty()) {
            String owner = readPid(dataDir).map(pid -> " (pid " + pid + ")").orElse("");
            throw new IllegalStateException("A pipeline is already running on " + dataDir.toAbsolutePath() + owner
                    + "; stop it with './pipeline down --data-dir " + dataDir + "'");
        }
        DataDirectoryLock lock = taken.get();
        try {
            Files.writeString(lock.pidFile, Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            lock.close();
            throw new UncheckedIOException("Cannot write " + lock.pidFile, e);
        }
        return lock;
    }

    /**
     * The pid of the process running a pipeline on {@code dataDir}, if one is (the lock is held).
     * Fails when the lock is held but the pid file is missing: something holds the directory, and
     * nothing it started may be stopped as if it were left over.
     */
    static Optional<Long> runningOwner(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            return Optional.empty();
        }
        Optional<DataDirectoryLock> probe = tryAcquire(dataDir);
        if (probe.isPresent()) {
            closeProbe(probe.get());
            return Optional.empty();
        }
        return Optional.of(readPid(dataDir).orElseThrow(() -> new IllegalStateException(dataDir.resolve(LOCK_FILE)
                + " is held by a process that left no " + PID_FILE + "; not stopping anything")));
    }

    /**
     * Whether {@code process} is a {@code ./pipeline} JVM. Reads {@code /proc/<pid>/cmdline}: the
     * JDK's {@code ProcessHandle.Info.commandLine()} stops at 4,096 characters, before the main
     * class of a JVM with a long class path.
     */
    static boolean isLauncher(ProcessHandle process) {
        Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        try {
            if (Files.isReadable(cmdline)) {
                return new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).contains(LAUNCHER_CLASS);
            }
        } catch (IOException e) {
            return false;
        }
        return process.info().commandLine().map(line -> line.contains(LAUNCHER_CLASS)).orElse(false);
    }

    private static Optional<DataDirectoryLock> tryAcquire(Path dataDir) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
            channel = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(new DataDirectoryLock(channel, lock, dataDir.resolve(PID_FILE)));
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            return Optional.empty();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("Cannot lock " + dataDir.resolve(LOCK_FILE), e);
        }
    }

    private static Optional<Long> readPid(Path dataDir) {
        try {
            return Optional.of(Long.parseLong(Files.readString(dataDir.resolve(PID_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void closeProbe(DataDirectoryLock probe) {
        try {
            probe.lock.release();
            probe.channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was locked
        }
    }

    /** Releases the data directory: the pid file goes, then the lock. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(pidFile);
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot release " + pidFile.resolveSibling(LOCK_FILE), e);
        }
    }
}
