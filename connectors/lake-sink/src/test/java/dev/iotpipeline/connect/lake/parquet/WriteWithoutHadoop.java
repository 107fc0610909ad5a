package dev.iotpipeline.connect.lake.parquet;

import dev.iotpipeline.connect.lake.BatchFileWriter;
import dev.iotpipeline.connect.lake.DecodedBatch;
import dev.iotpipeline.connect.lake.TestBatches;
import dev.iotpipeline.connect.lake.storage.LocalLakeStorage;
import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.specific.SpecificData;
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
            writer.write(new DecodedBatch(MeasurementFamily.ENV_READING, "env_reading-0-0-0", readings,
                    EnvReading.getClassSchema(), SpecificData.getForClass(EnvReading.class)));
        }
    }
}
