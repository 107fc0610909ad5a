package dev.iotpipeline.connect.lake.storage;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One S3 object for a Parquet reader, fetched in byte ranges as the reader asks for them: a reader
 * of the footer and one column fetches the file's tail and that column's chunks, not the whole
 * object. At most {@value #MAX_GET} bytes are held per stream. Every range is asked for with the
 * ETag seen when the object was opened ({@code If-Match}), so an object replaced while it is read
 * fails the read instead of mixing two versions.
 */
final class S3InputFile implements InputFile {

    /** The smallest range fetched: fewer requests for the small reads of page headers. */
    static final int READ_AHEAD = 256 * 1024;
    /** Reads this close to the end fetch the whole tail: the footer's length and the footer in one request. */
    static final int TAIL = 64 * 1024;
    static final int MAX_GET = 8 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final long length;
    private final String eTag;

    S3InputFile(S3Client s3, String bucket, String key, long length, String eTag) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.length = length;
        this.eTag = eTag;
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() {
        return new Stream();
    }

    private byte[] get(long start, long end) throws IOException {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range("bytes=" + start + "-" + (end - 1)).ifMatch(eTag))
                    .asByteArray();
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new IOException("s3://" + bucket + "/" + key + " was replaced while it was read", e);
            }
            throw new IOException("cannot read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        } catch (SdkException | UncheckedIOException e) {
            throw new IOException("cannot read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }

    private final class Stream extends SeekableInputStream {
        private long position;
        private byte[] buffer = new byte[0];
        private long bufferStart;

        /** Bytes buffered from the current position on. */
        private int buffered() {
            long offset = position - bufferStart;
            return offset >= 0 && offset < buffer.length ? (int) (buffer.length - offset) : 0;
        }

        /** Makes at least one byte at the current position available; false at the end of the object. */
        private boolean fill(long wanted) throws IOException {
            if (buffered() > 0) {
                return true;
            }
            if (position >= length) {
                return false;
            }
            long start = position;
            long end;
            if (length - position <= TAIL) {
                start = Math.max(0, length - TAIL);
                end = length;
            } else {
                end = Math.min(length, position + Math.min(MAX_GET, Math.max(wanted, READ_AHEAD)));
            }
            buffer = get(start, end);
            bufferStart = start;
            if (buffered() == 0) {
                throw new EOFException("s3://" + bucket + "/" + key + " answered fewer bytes than asked for");
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!fill(1)) {
                return -1;
            }
            return buffer[(int) (position++ - bufferStart)] & 0xFF;
        }

        @Override
        public int read(byte[] bytes, int offset, int count) throws IOException {
            if (count == 0) {
                return 0;
            }
            if (!fill(count)) {
                return -1;
            }
            int n = Math.min(count, buffered());
            System.arraycopy(buffer, (int) (position - bufferStart), bytes, offset, n);
            position += n;
            return n;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            if (!target.hasRemaining()) {
                return 0;
            }
            if (!fill(target.remaining())) {
                return -1;
            }
            int n = Math.min(target.remaining(), buffered());
            target.put(buffer, (int) (position - bufferStart), n);
            position += n;
            return n;
        }

        @Override
        public void readFully(byte[] bytes) throws IOException {
            readFully(bytes, 0, bytes.length);
        }

        @Override
        public void readFully(byte[] bytes, int offset, int count) throws IOException {
            for (int done = 0; done < count; ) {
                int n = read(bytes, offset + done, count - done);
                if (n < 0) {
                    throw new EOFException("s3://" + bucket + "/" + key + " ended " + (count - done) + " bytes early");
                }
                done += n;
            }
        }

        @Override
        public void readFully(ByteBuffer target) throws IOException {
            while (target.hasRemaining()) {
                if (read(target) < 0) {
                    throw new EOFException("s3://" + bucket + "/" + key + " ended " + target.remaining() + " bytes early");
                }
            }
        }

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void seek(long newPosition) throws IOException {
            if (newPosition < 0) {
                throw new EOFException("cannot seek to " + newPosition);
            }
            position = newPosition;
        }

        @Override
        public void close() {
            buffer = new byte[0];
        }
    }
}
