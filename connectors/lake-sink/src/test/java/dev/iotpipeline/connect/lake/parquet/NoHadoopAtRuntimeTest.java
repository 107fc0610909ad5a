package dev.iotpipeline.connect.lake.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.lake.DuckDb;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write path and the eraser's read-and-rewrite path in a JVM whose class path has no Hadoop jar,
 * as in a Connect worker or a command-line tool: every codec is written, read back and rewritten.
 */
class NoHadoopAtRuntimeTest {

    @TempDir
    Path dir;

    @Test
    void writesReadsAndRewritesParquetWithEveryCodecWithoutHadoopOnTheClassPath() throws Exception {
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("hadoop-client-api")).collect(Collectors.joining(File.pathSeparator));
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                WriteWithoutHadoop.class.getName(), dir.resolve("lake").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(log)).isZero();

        for (String codec : List.of("ZSTD", "SNAPPY", "UNCOMPRESSED")) {
            assertThat(DuckDb.rows("SELECT device_id, temperature_c FROM " + DuckDb.table(dir.resolve("lake").resolve(codec),
                    "env_readings"))).containsExactly(List.of("nohadoop", 21.5));
        }
    }
}
