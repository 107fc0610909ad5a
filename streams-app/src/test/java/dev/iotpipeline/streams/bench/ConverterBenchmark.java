package dev.iotpipeline.streams.bench;

import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.convert.FormatConverter;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.RawReading;
import dev.iotpipeline.streams.convert.ReferenceConverters;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Descriptor-driven conversion against the hand-written reference converters, per format, on the
 * same payloads: the format's valid golden payloads, converted round-robin. Prints JMH's table, then
 * each format's ratio descriptor / hand-written (the goal is at least 0.9). From the repository root
 * (the first command installs the modules streams-app needs):
 *
 * <pre>
 * mvn -B -q install -DskipTests -pl streams-app -am
 * mvn -B -q -pl streams-app test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
 *   -Dexec.args="-cp %classpath dev.iotpipeline.streams.bench.ConverterBenchmark"
 * </pre>
 *
 * JMH forks a JVM per measurement; {@code exec:exec} gives it the test class path (with
 * {@code exec:java} the fork would get Maven's).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConverterBenchmark {

    private static final Instant RECEIVED = Instant.parse("2025-11-23T21:33:21Z");

    @Param({"env-sensor/v1", "env-sensor/v2", "env-sensor/v3", "gps-tracker/v1", "gps-tracker/v2"})
    public String format;

    @Param({"descriptor", "hand-written"})
    public String converter;

    private FormatConverter implementation;
    private RawReading[] readings;
    private int next;

    @Setup
    public void setUp() throws IOException, InvalidPayloadException {
        String[] typeAndVersion = format.split("/");
        ConverterRegistry registry = converter.equals("descriptor")
                ? new ConverterRegistry(ConverterRegistry.builtIn()) : ReferenceConverters.registry();
        implementation = registry.find(typeAndVersion[0], typeAndVersion[1]).orElseThrow();
        String device = typeAndVersion[0].equals("env-sensor") ? "env-0001" : "trk-0017";
        List<RawReading> valid = new ArrayList<>();
        for (Path payload : goldenValid(typeAndVersion[0], typeAndVersion[1])) {
            valid.add(new RawReading(Files.readAllBytes(payload), device, RECEIVED));
        }
        readings = valid.toArray(new RawReading[0]);
        for (RawReading reading : readings) {
            implementation.convert(reading);
        }
    }

    @Benchmark
    public Object convert() throws InvalidPayloadException {
        RawReading reading = readings[next];
        next = next + 1 == readings.length ? 0 : next + 1;
        return implementation.convert(reading);
    }

    /** The valid golden payloads of a format, sorted ({@code src/test/resources/payloads/<type>/<version>/}). */
    static List<Path> goldenValid(String type, String version) throws IOException {
        Path folder;
        try {
            folder = Path.of(ConverterBenchmark.class.getResource("/payloads/" + type + "/" + version).toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".expected.json"))
                    .sorted().toList();
        }
    }

    public static void main(String[] args) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(ConverterBenchmark.class.getName() + ".convert")
                .build()).run();
        TreeMap<String, double[]> byFormat = new TreeMap<>();
        for (RunResult result : results) {
            String format = result.getParams().getParam("format");
            boolean descriptor = result.getParams().getParam("converter").equals("descriptor");
            byFormat.computeIfAbsent(format, f -> new double[2])[descriptor ? 0 : 1] = result.getPrimaryResult().getScore();
        }
        System.out.println();
        System.out.println("format          descriptor ops/us  hand-written ops/us  ratio");
        byFormat.forEach((format, scores) -> System.out.println(String.format(Locale.ROOT, "%-15s %18.3f %20.3f  %.2fx",
                format, scores[0], scores[1], scores[0] / scores[1])));
    }
}
