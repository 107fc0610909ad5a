package dev.iotpipeline.connect.lake.parquet;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page codecs over zstd-jni and snappy-java. Parquet's own factory goes through Hadoop's
 * codec classes (even for UNCOMPRESSED), which the worker does not have: this one needs no Hadoop.
 * Stateless, so one instance serves every writer of a task.
 */
public final class JniCodecFactory implements CompressionCodecFactory {

    private final int zstdLevel;

    public JniCodecFactory(int zstdLevel) {
        this.zstdLevel = zstdLevel;
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Compressor(codec, bytes -> bytes);
            case ZSTD -> new Compressor(codec, bytes -> Zstd.compress(bytes, zstdLevel));
            case SNAPPY -> new Compressor(codec, Snappy::compress);
            default -> throw unsupported(codec);
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Decompressor((bytes, size) -> bytes);
            case ZSTD -> new Decompressor((bytes, size) -> Zstd.decompress(bytes, size));
            case SNAPPY -> new Decompressor((bytes, size) -> Snappy.uncompress(bytes));
            default -> throw unsupported(codec);
        };
    }

    /** LakeSinkConfig validates parquet.compression, so only a programming error gets here. */
    private static IllegalArgumentException unsupported(CompressionCodecName codec) {
        return new IllegalArgumentException("codec " + codec + " is not supported (zstd, snappy, uncompressed)");
    }

    @Override
    public void release() {
        // Nothing pooled.
    }

    @FunctionalInterface
    private interface ByteTransform {
        byte[] apply(byte[] input) throws IOException;
    }

    @FunctionalInterface
    private interface SizedTransform {
        byte[] apply(byte[] input, int uncompressedSize) throws IOException;
    }

    private record Compressor(CompressionCodecName codec, ByteTransform transform) implements BytesInputCompressor {
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            return codec == CompressionCodecName.UNCOMPRESSED ? bytes : BytesInput.from(transform.apply(bytes.toByteArray()));
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
        }
    }

    private record Decompressor(SizedTransform transform) implements BytesInputDecompressor {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(checked(transform.apply(bytes.toByteArray(), uncompressedSize), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] compressed = new byte[compressedSize];
            input.get(compressed);
            output.put(checked(transform.apply(compressed, uncompressedSize), uncompressedSize));
        }

        @Override
        public void release() {
        }

        private static byte[] checked(byte[] result, int expected) throws IOException {
            if (result.length != expected) {
                throw new IOException("decompressed " + result.length + " bytes, the page header says " + expected);
            }
            return result;
        }
    }
}
