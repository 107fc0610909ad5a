package dev.iotpipeline.connect.lake.parquet;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.BatchFileWriter;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** Run by {@link NoHadoopAtRuntimeTest} in a JVM without Hadoop: writes one batch with each codec. */
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
        List<EnvReading> readings = List.of(TestBatches.env("nohadoop", "m1", TestBatches.T0, 21.5));
        for (CompressionCodecName codec : List.of(CompressionCodecName.ZSTD, CompressionCodecName.SNAPPY,
                CompressionCodecName.UNCOMPRESSED)) {
            var writer = new BatchFileWriter(new LocalLakeStorage(Path.of(args[0], codec.name())),
                    new ParquetBatchWriter(new ParquetBatchWriter.Settings(codec, 3, 1 << 20, 64 * 1024)));
            var batch = TestBatches.decoded(TestBatches.envBatch(0, 0, readings));
            writer.write(batch, batch.readings());
        }
    }
}
