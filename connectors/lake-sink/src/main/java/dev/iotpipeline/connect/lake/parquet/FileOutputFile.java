package dev.iotpipeline.connect.lake.parquet;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} on a local path that, when {@code sync} is set, forces the file's
 * content to the device when the writer closes it ({@code fsync}), so a rename afterwards publishes
 * a complete, durable file. Parquet's {@code LocalOutputFile} does not sync.
 */
public final class FileOutputFile implements OutputFile {

    private static final int BUFFER = 256 * 1024;

    private final Path path;
    private final boolean sync;

    public FileOutputFile(Path path, boolean sync) {
        this.path = path;
        this.sync = sync;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        return open(StandardOpenOption.CREATE_NEW);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private PositionOutputStream open(StandardOpenOption... options) throws IOException {
        java.util.Set<java.nio.file.OpenOption> all = new java.util.HashSet<>(java.util.List.of(options));
        all.add(StandardOpenOption.WRITE);
        FileChannel channel = FileChannel.open(path, all);
        return new Stream(channel, new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER), sync);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return path.toString();
    }

    private static final class Stream extends PositionOutputStream {
        private final FileChannel channel;
        private final OutputStream out;
        private final boolean sync;
        private long position;
        private boolean closed;

        Stream(FileChannel channel, OutputStream out, boolean sync) {
            this.channel = channel;
            this.out = out;
            this.sync = sync;
        }

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            position += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try (channel; out) {
                out.flush();
                if (sync) {
                    channel.force(true);
                }
            }
        }
    }
}
