package dev.iotpipeline.connect.lake;

import dev.iotpipeline.connect.common.FakeSinkContext;
import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.parquet.JniCodecFactory;
import dev.iotpipeline.registry.client.InMemorySchemaRegistryClient;
import dev.iotpipeline.schemas.batch.EnvReadingBatch;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Lake sink rows/s against a bare Parquet writer, on the same readings in the same run (not a
 * test: run it by hand, see the README). The sink side is the task's whole write path:
 * {@link LakeSinkTask#put} on the batch records (Confluent wire format decoding, hour split, Parquet
 * with zstd, fsync, atomic rename, directory fsync) and {@code preCommit}. The bare side writes the
 * already decoded readings of each batch to one file with parquet-avro's own {@code LocalOutputFile},
 * the same codecs, no fsync. One warm-up round, then {@value #ROUNDS} rounds, alternating which side
 * goes first; the medians of each side and of the rounds' ratios.
 *
 * <p>Arguments: readings (default 1,000,000), readings per batch (default 10,000, the streams app's
 * default), work directory (default a temporary one).
 */
public final class LakeSinkBenchmark {

    private static final String TOPIC = "iot.batch.env_reading";
    private static final int ROUNDS = 7;

    private LakeSinkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("lake-bench-");
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        List<EnvReadingBatch> batches = batches(total, perBatch);
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            records.add(new SinkRecord(TOPIC, 0, null, "k", null, TestBatches.wire(registry, TOPIC, batches.get(i)), i));
        }
        long wireBytes = records.stream().mapToLong(r -> ((byte[]) r.value()).length).sum();
        System.out.printf("%,d readings in %,d batches of %,d (%,.1f MB in the wire format), zstd level 3, %d rounds after a warm-up%n",
                total, batches.size(), perBatch, wireBytes / 1e6, ROUNDS);

        List<Double> bares = new ArrayList<>();
        List<Double> sinks = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round <= ROUNDS; round++) {
            double bare;
            double sink;
            if (round % 2 == 0) { // alternate which side goes first, so neither always runs after the other's garbage
                bare = rowsPerSecond(total, () -> bare(batches, clean(work.resolve("bare"))));
                sink = rowsPerSecond(total, () -> sink(registry, records, clean(work.resolve("sink"))));
            } else {
                sink = rowsPerSecond(total, () -> sink(registry, records, clean(work.resolve("sink"))));
                bare = rowsPerSecond(total, () -> bare(batches, clean(work.resolve("bare"))));
            }
            if (round > 0) {
                System.out.printf("round %d: bare parquet writer %,.0f rows/s, lake sink %,.0f rows/s (%.0f%%)%n",
                        round, bare, sink, 100 * sink / bare);
                bares.add(bare);
                sinks.add(sink);
                ratios.add(sink / bare);
            }
        }
        double bare = median(bares);
        double sink = median(sinks);
        System.out.printf("median: bare parquet writer %,.0f rows/s, lake sink %,.0f rows/s (%.0f%% of bare; median of the "
                + "rounds' ratios %.0f%%); lake files: %d, %,.1f MB%n", bare, sink, 100 * sink / bare, 100 * median(ratios),
                count(work.resolve("sink")), size(work.resolve("sink")) / 1e6);
    }

    private static List<EnvReadingBatch> batches(int total, int perBatch) {
        Random random = new Random(7);
        List<EnvReadingBatch> batches = new ArrayList<>();
        List<EnvReading> current = new ArrayList<>();
        long firstOffset = 0;
        for (int i = 0; i < total; i++) {
            // 2,000 devices, a reading every 50 ms overall: a 10,000-reading batch covers ~8 minutes, some span an hour.
            EnvReading reading = EnvReading.newBuilder(TestBatches.env("env-" + random.nextInt(2000), "m" + i,
                    TestBatches.T0.plusMillis(50L * i), Math.round(random.nextGaussian() * 50 + 200) / 10.0))
                    .setHumidityPct((double) random.nextInt(101)).setFirmware(random.nextBoolean() ? "2.3.1" : null).build();
            current.add(reading);
            if (current.size() == perBatch || i == total - 1) {
                batches.add(TestBatches.envBatch(0, firstOffset, current));
                firstOffset += current.size();
                current = new ArrayList<>();
            }
        }
        return batches;
    }

    private static void sink(InMemorySchemaRegistryClient registry, List<SinkRecord> records, Path lake) {
        LakeSinkTask task = new LakeSinkTask(config -> registry);
        task.initialize(new FakeSinkContext(true));
        task.start(Map.of("schema.registry.url", "http://unused", "lake.local.dir", lake.toString(), "retention.days", "0"));
        for (int i = 0; i < records.size(); i += 10) {
            task.put(records.subList(i, Math.min(records.size(), i + 10)));
        }
        task.preCommit(Map.of());
        task.stop();
    }

    private static void bare(List<EnvReadingBatch> batches, Path dir) {
        JniCodecFactory codecs = new JniCodecFactory(3);
        try {
            for (EnvReadingBatch batch : batches) {
                try (ParquetWriter<EnvReading> writer = AvroParquetWriter.<EnvReading>builder(
                                new LocalOutputFile(dir.resolve(batch.getInfo().getBatchId() + ".parquet")))
                        .withConf(new PlainParquetConfiguration()).withSchema(EnvReading.getClassSchema())
                        .withDataModel(org.apache.avro.specific.SpecificData.getForClass(EnvReading.class))
                        .withCodecFactory(codecs).withCompressionCodec(CompressionCodecName.ZSTD)
                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
                    for (EnvReading reading : batch.getRecords()) {
                        writer.write(reading);
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double rowsPerSecond(int rows, Runnable run) {
        long start = System.nanoTime();
        run.run();
        return rows / (Duration.ofNanos(System.nanoTime() - start).toNanos() / 1e9);
    }

    private static Path clean(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(p -> p.toString().endsWith(".parquet")).count();
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
