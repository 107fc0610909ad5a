package dev.iotpipeline.streams.formats;

import dev.iotpipeline.schemas.contract.FormatHeaders;
import dev.iotpipeline.streams.convert.descriptor.DescriptorConverter;
import dev.iotpipeline.streams.convert.descriptor.DescriptorException;
import dev.iotpipeline.streams.convert.descriptor.FormatDescriptors;
import dev.iotpipeline.streams.metrics.StreamsMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.TimestampedKeyValueStoreWithHeaders;
import org.apache.kafka.streams.state.ValueTimestampHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link FormatCatalog} in step with the formats topic, on the global stream thread: a
 * descriptor record is compiled and put in force for its format, a tombstone withdraws the
 * published one.
 *
 * <p>Kafka Streams restores a global store from its topic before any task processes, but without
 * calling this processor; so {@link #init} compiles what the restored store holds, and an instance
 * that starts converts with every published descriptor from its first reading. The store keeps the
 * records' headers (Kafka 4.3's stores with headers restore them too), so the revision in force is
 * known after a restart as well.
 *
 * <p>Never throws: a failure on the global thread cannot be handled per record (the thread cannot
 * be replaced, so the whole instance would stop). A record that does not compile, or whose key is
 * not its descriptor's format, is logged at ERROR with the compiler's message and counted
 * ({@code iot.streams.formats.rejected}), and what was in force stays in force. The store keeps
 * every record as the topic holds it (it is the topic's mirror either way, since restoring writes
 * it as is): after a restart, a format whose latest record was refused runs on its built-in
 * descriptor, or on none.
 */
public final class FormatTopicProcessor implements Processor<String, byte[], Void, Void> {

    /**
     * The global store mirroring the formats topic: key {@code deviceType/version}, value the YAML
     * bytes with the record's headers (a store with headers, so the revision survives a restore).
     */
    public static final String STORE = "formats-store";

    private static final Logger LOG = LoggerFactory.getLogger(FormatTopicProcessor.class);

    private final FormatCatalog catalog;
    private final StreamsMetrics metrics;
    private TimestampedKeyValueStoreWithHeaders<String, byte[]> store;

    public FormatTopicProcessor(FormatCatalog catalog, StreamsMetrics metrics) {
        this.catalog = catalog;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(STORE);
        List<FormatInForce> published = new ArrayList<>();
        try (KeyValueIterator<String, ValueTimestampHeaders<byte[]>> all = store.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value != null && entry.value.value() != null) {
                    compile(entry.key, entry.value.value(), entry.value.headers(), "restored").ifPresent(published::add);
                }
            }
        }
        catalog.resetTo(published);
        LOG.info("Formats in force: {}", describe());
        metrics.formatsInForce(revisions());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String format = record.key();
        try {
            if (format == null) {
                reject("?", "a record without a key (expected deviceType/version)");
                return;
            }
            if (record.value() == null) {
                store.delete(format);
                catalog.withdraw(format);
                LOG.info("Format {} withdrawn; now in force: {}", format, catalog.inForce(format)
                        .map(FormatTopicProcessor::describe).orElse("nothing (its readings are unknown-format)"));
            } else {
                store.put(format, ValueTimestampHeaders.make(record.value(), record.timestamp(), record.headers()));
                Optional<FormatInForce> compiled = compile(format, record.value(), record.headers(), "published");
                if (compiled.isEmpty()) {
                    return;
                }
                catalog.publish(compiled.get());
                LOG.info("Format {} published: {} now in force", format, describe(compiled.get()));
            }
            metrics.formatsInForce(revisions());
        } catch (RuntimeException | StackOverflowError e) {
            // A bug, not the record's fault; still no reason to stop the instance's conversion.
            LOG.error("Format {}: cannot apply the formats topic record; what was in force stays", format, e);
            metrics.formatRejected();
        }
    }

    /** The descriptor compiled, if it compiles and is the format its key names; else logged and counted. */
    private Optional<FormatInForce> compile(String format, byte[] yaml, Headers headers, String how) {
        try {
            DescriptorConverter converter = FormatDescriptors.compile(fileName(format), new String(yaml, StandardCharsets.UTF_8));
            if (!converter.sourceFormat().equals(format)) {
                throw new DescriptorException(fileName(format), 1, "format", "the descriptor is for " + converter.sourceFormat()
                        + " but was published under the key " + format);
            }
            return Optional.of(new FormatInForce(converter, header(headers, FormatHeaders.REVISION)
                    .filter(FormatTopicProcessor::isRevision).orElse(FormatInForce.UNKNOWN),
                    header(headers, FormatHeaders.SHA256), header(headers, FormatHeaders.PUBLISHED_BY),
                    header(headers, FormatHeaders.PUBLISHED_AT)));
        } catch (DescriptorException e) {
            reject(format, how + " descriptor does not compile: " + e.getMessage());
            return Optional.empty();
        }
    }

    private void reject(String format, String why) {
        String inForce = catalog.inForce(format).map(FormatTopicProcessor::describe).orElse("nothing");
        LOG.error("Format {} refused, {} stays in force: {}", format, inForce, why);
        metrics.formatRejected();
    }

    /** The name errors give: the key as a file name, e.g. {@code env-sensor-v4.yaml}. */
    private static String fileName(String format) {
        return format.replace('/', '-') + ".yaml";
    }

    private static boolean isRevision(String text) {
        return !text.isEmpty() && text.length() <= 18 && text.chars().allMatch(Character::isDigit);
    }

    private static Optional<String> header(Headers headers, String key) {
        Header header = headers == null ? null : headers.lastHeader(key);
        return header == null || header.value() == null ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    private Map<String, String> revisions() {
        Map<String, String> revisions = new LinkedHashMap<>();
        catalog.inForce().forEach(format -> revisions.put(format.format(), format.revision()));
        return revisions;
    }

    private String describe() {
        return catalog.inForce().stream().map(FormatTopicProcessor::describe).toList().toString();
    }

    private static String describe(FormatInForce format) {
        return format.format() + (format.published() ? " revision " + format.revision() : " (built-in)");
    }
}
