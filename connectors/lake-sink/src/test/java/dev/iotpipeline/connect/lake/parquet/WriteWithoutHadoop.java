package dev.iotpipeline.connect.lake.parquet;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.BatchFileWriter;
import dev.iotpipeline.connect.lake.erase.ErasureResult;
import dev.iotpipeline.connect.lake.erase.LakeEraser;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Run by {@link NoHadoopAtRuntimeTest} in a JVM without Hadoop: writes one batch with each codec,
 * then erases one of its two devices (which reads the file back and rewrites it).
 */
public final class WriteWithoutHadoop {

    private WriteWithoutHadoop() {
    }

    public static void main(String[] args) {
        try {
            Class.forName("org.apache.hadoop.conf.Configuration");
            System.err.println("Hadoop is on the class path: this run proves nothing");
            System.exit(2);
        } catch (ClassNotFoundException expected) {
            // As in a Connect worker.
        }
        List<EnvReading> readings = List.of(TestBatches.env("nohadoop", "m1", TestBatches.T0, 21.5),
                TestBatches.env("erased", "m2", TestBatches.T0, 22.5));
        for (CompressionCodecName codec : List.of(CompressionCodecName.ZSTD, CompressionCodecName.SNAPPY,
                CompressionCodecName.UNCOMPRESSED)) {
            var settings = new ParquetBatchWriter.Settings(codec, 3, 1 << 20, 64 * 1024);
            try (LocalLakeStorage storage = new LocalLakeStorage(Path.of(args[0], codec.name()))) {
                var writer = new BatchFileWriter(storage, new ParquetBatchWriter(settings));
                var batch = TestBatches.decoded(TestBatches.envBatch(0, 0, readings));
                writer.write(batch, batch.readings());
                ErasureResult erased = new LakeEraser(storage, settings).erase("erased", Instant.now());
                if (erased.filesRewritten() != 1 || erased.rowsRemoved() != 1) {
                    System.err.println("erasing with " + codec + " did " + erased);
                    System.exit(3);
                }
            }
        }
    }
}
