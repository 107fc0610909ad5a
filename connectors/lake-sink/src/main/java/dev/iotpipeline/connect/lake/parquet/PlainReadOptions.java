package dev.iotpipeline.connect.lake.parquet;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetMetricsCallback;

/**
 * {@link ParquetReadOptions} without Hadoop. Parquet's own builder creates Hadoop's codec factory in
 * its constructor, before another can be set, and that class links Hadoop's zlib classes, which a
 * Connect worker does not have. So this calls the options' package-private constructor (through
 * reflection: the build allows no class in Parquet's package) with the builder's defaults —
 * statistics, dictionary, column index, bloom and record filters on, 8 MiB heap allocations — and
 * the given codecs and filter. A Parquet upgrade that changes the constructor fails when this
 * class loads, with that said; {@code NoHadoopAtRuntimeTest} reads through it.
 */
final class PlainReadOptions {

    private static final int MAX_ALLOCATION = 8 * 1024 * 1024;
    private static final Constructor<ParquetReadOptions> CONSTRUCTOR = constructor();

    private PlainReadOptions() {
    }

    private static Constructor<ParquetReadOptions> constructor() {
        try {
            Constructor<ParquetReadOptions> constructor = ParquetReadOptions.class.getDeclaredConstructor(boolean.class,
                    boolean.class, boolean.class, boolean.class, boolean.class, boolean.class, boolean.class, boolean.class,
                    boolean.class, FilterCompat.Filter.class, ParquetMetadataConverter.MetadataFilter.class,
                    CompressionCodecFactory.class, ByteBufferAllocator.class, int.class, Map.class, FileDecryptionProperties.class,
                    ParquetMetricsCallback.class, ParquetConfiguration.class);
            constructor.setAccessible(true);
            return constructor;
        } catch (NoSuchMethodException | RuntimeException e) {
            throw new IllegalStateException("this Parquet version's ParquetReadOptions has not the constructor of 1.18 "
                    + "that reading without Hadoop needs", e);
        }
    }

    /** @param filter the rows to read, or {@link FilterCompat#NOOP} */
    static ParquetReadOptions create(ParquetConfiguration conf, CompressionCodecFactory codecs, FilterCompat.Filter filter) {
        try {
            return CONSTRUCTOR.newInstance(
                    false, // signed min/max for strings: off, as by default
                    true, // statistics filter
                    true, // dictionary filter
                    true, // record filter
                    true, // column index filter
                    false, // page checksum verification
                    true, // bloom filter
                    false, // off-heap decryption buffer
                    false, // Hadoop vectored IO (no Hadoop file system here)
                    filter, ParquetMetadataConverter.NO_FILTER, codecs, new HeapByteBufferAllocator(), MAX_ALLOCATION,
                    new HashMap<String, String>(), null, null, conf);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create Parquet's read options: " + e, e);
        }
    }
}
