package dev.iotpipeline.connect.lake.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.common.TestBatches;
import dev.iotpipeline.connect.lake.DuckDb;
import dev.iotpipeline.schemas.canonical.EnvReading;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificData;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JniCodecFactoryTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"ZSTD", "SNAPPY", "UNCOMPRESSED"})
    void compressesAndDecompressesBothWays(CompressionCodecName codec) throws Exception {
        JniCodecFactory codecs = new JniCodecFactory(3);
        byte[] page = "temperature 21.5 humidity 41 ".repeat(500).getBytes(StandardCharsets.UTF_8);
        CompressionCodecFactory.BytesInputCompressor compressor = codecs.getCompressor(codec);
        byte[] compressed = compressor.compress(BytesInput.from(page)).toByteArray();
        assertThat(compressor.getCodecName()).isEqualTo(codec);
        if (codec != CompressionCodecName.UNCOMPRESSED) {
            assertThat(compressed.length).isLessThan(page.length / 10);
        }
        var decompressor = codecs.getDecompressor(codec);
        assertThat(decompressor.decompress(BytesInput.from(compressed), page.length).toByteArray()).isEqualTo(page);
        ByteBuffer out = ByteBuffer.allocate(page.length);
        decompressor.decompress(ByteBuffer.wrap(compressed), compressed.length, out, page.length);
        assertThat(out.array()).isEqualTo(page);
    }

    /** DuckDB, an independent reader, decodes every codec and sees the declared codec and UTC timestamps. */
    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"ZSTD", "SNAPPY", "UNCOMPRESSED"})
    void parquetFilesWrittenWithEachCodecReadBackExactly(CompressionCodecName codec) throws Exception {
        List<EnvReading> readings = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            readings.add(TestBatches.env("env-" + (i % 7), "m" + i, TestBatches.T0.plusMillis(i), i % 3 == 0 ? null : i / 10.0));
        }
        Path file = dir.resolve(codec + ".parquet");
        new ParquetBatchWriter(new ParquetBatchWriter.Settings(codec, 3, 8L << 20, 1 << 20))
                .write(new FileOutputFile(file, true), EnvReading.getClassSchema(), SpecificData.getForClass(EnvReading.class), readings);

        String table = "read_parquet('" + file + "')";
        assertThat(DuckDb.count("SELECT count(*) FROM " + table)).isEqualTo(1000);
        List<Object> row = DuckDb.rows("SELECT device_id, event_time, temperature_c, battery_v, firmware, sensor_fault, "
                + "typeof(event_time) FROM " + table + " WHERE message_id = 'm10'").get(0);
        assertThat(row.get(0)).isEqualTo("env-3");
        assertThat(((OffsetDateTime) row.get(1)).toInstant()).isEqualTo(Instant.parse("2025-11-23T21:33:20.260Z"));
        assertThat(row.subList(2, 6)).containsExactly(1.0, 3.71, null, false);
        assertThat(row.get(6)).isEqualTo("TIMESTAMP WITH TIME ZONE");
        assertThat(DuckDb.count("SELECT count(*) FROM " + table + " WHERE temperature_c IS NULL")).isEqualTo(334);
        assertThat(DuckDb.rows("SELECT DISTINCT compression FROM parquet_metadata('" + file + "')"))
                .containsExactly(List.of(codec.name()));
    }
}
